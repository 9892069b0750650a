/**
 * `migrate_vma` across workers, on a CPU node: the collect step and the
 * finish run here (this node owns the process's page tables and its RAM);
 * the driver's `alloc_and_copy` runs on the device's worker, reached with
 * a DmaCopy message and answered with DmaCopyDone. The process waits in
 * between: its pages sit behind migration entries, as in the kernel.
 * Every device mirror of the range is invalidated (MIGRATE) and has
 * acknowledged before collect installs the migration entries.
 */
import { CdmsimError, type NodeId, type Pid } from '@cdmsim/engine';
import { Errno, isHmmDevicePage, migrateVmaCollect, MmuNotifyEvent, migrateVmaFinish, rmapWalk, type MigrateEntry, type MigrateResult, type MmCore, type PendingMigration, type Process } from '@cdmsim/mm';
import { pteKind, PteKind } from '@cdmsim/shm';
import type { cdmsim, EnvelopeData } from '@cdmsim/proto';
import type { NodeKernel } from '@cdmsim/kernel';
import { PendingReplies } from '@cdmsim/kernel';
import type { MirrorNotifier } from './mirror-notifier.js';
import type { RemoteDeviceMemory } from './remote-device-memory.js';
import type { BusPageCoherence } from '../cache/worker-page-coherence.js';

/** Called when a migration finished (counts) or could not start (errno). */
export type MigrationDone = (result: MigrateResult | Errno) => void;

/** Counters of the cross-worker migrations of one CPU node (plain data). */
export interface NodeMigrationStats {
  /** DmaCopy requests sent to devices. */
  dmaRequests: number;
  /** Pages moved to device memory, and back to RAM. */
  pagesToDevice: number;
  pagesToRam: number;
  /** Pages a migration had to skip (busy, pinned) or a driver declined. */
  skipped: number;
}

/** The cross-worker migrations of one CPU node. */
export class NodeMigrations {
  readonly stats: NodeMigrationStats = { dmaRequests: 0, pagesToDevice: 0, pagesToRam: 0, skipped: 0 };
  readonly #kernel: NodeKernel;
  readonly #core: MmCore;
  readonly #remotes: ReadonlyMap<NodeId, RemoteDeviceMemory>;
  readonly #dma: PendingReplies;
  readonly #coherence: BusPageCoherence | null;
  readonly #notifier: MirrorNotifier;

  /**
   * Registers the DmaCopyDone handler on `kernel`. `remotes` are the device
   * memories this node's MmCore knows, by device node; `notifier` holds the
   * device mirrors of this node's processes. `coherence`: with caches, the
   * sources of every DMA are flushed over the bus first.
   */
  constructor(kernel: NodeKernel, core: MmCore, remotes: ReadonlyMap<NodeId, RemoteDeviceMemory>, notifier: MirrorNotifier, coherence: BusPageCoherence | null = null) {
    this.#kernel = kernel;
    this.#core = core;
    this.#remotes = remotes;
    this.#notifier = notifier;
    this.#coherence = coherence;
    this.#dma = new PendingReplies(kernel, 'dmaCopyDone', 'host');
  }

  /** Migrations collected and not finished: their pages sit behind migration entries. */
  #active = 0;
  /** Callers waiting for a migration to finish (`migration_entry_wait`). */
  #waiters: (() => void)[] = [];

  /**
   * Runs `then` once a migration of this node finishes (its migration
   * entries are gone: `migration_entry_wait` sleeps until the page is
   * unlocked), or at once when none is under way. Returns false (and does
   * not call `then`) when no migration is under way, so the caller's
   * EBUSY cannot come from one.
   */
  afterMigration(then: () => void): boolean {
    if (this.#active === 0) return false;
    this.#waiters.push(then);
    return true;
  }

  /** Number of DMA requests waiting for their reply. */
  get inFlight(): number {
    return this.#dma.size;
  }

  /** Sends a DmaCopy to `device` once its sources are flushed (with caches: every cached line of them recalled at its home). */
  #request(device: NodeId, dmaCopy: NonNullable<EnvelopeData['dmaCopy']>, then: (reply: NonNullable<EnvelopeData['dmaCopyDone']>) => void): void {
    const send = (): void => {
      this.stats.dmaRequests++;
      this.#dma.send(device, { dmaCopy }, (env) => then(env.dmaCopyDone!));
    };
    if (this.#coherence) this.#coherence.flushForDma(dmaCopy.srcPfns ?? [], device, send);
    else send();
  }


  /**
   * Migrates [startVpn, endVpn) of `proc` (one anonymous VMA) to `device`'s
   * memory (the driver's `migrate(ptr, size)` ioctl). Calls `done` once the
   * pages moved (or with EINVAL at once). Caller holds the process (no other
   * operation of this node touches it until `done`).
   */
  toDevice(proc: Process, startVpn: number, endVpn: number, device: NodeId, done: MigrationDone): void {
    const remote = this.#remotes.get(device);
    if (!remote) throw new CdmsimError(`node ${this.#kernel.spec.name}: no device memory of node ${device}`);
    this.#collect(proc, startVpn, endVpn, `dmirror-${device}`, (pending) => {
      if (typeof pending === 'number') return done(pending);
      this.#copyToDevice(pending, device, remote, done);
    });
  }

  /**
   * `migrate_vma_setup`: invalidates every device mirror of the range
   * (MIGRATE, caused by this node's kernel, so no driver keeps its own
   * translation) and, once all acknowledged, collects it; `then` gets the
   * pending migration or the errno.
   */
  #collect(proc: Process, startVpn: number, endVpn: number, owner: string | null, then: (pending: PendingMigration | Errno) => void): void {
    const self = this.#kernel.self;
    const ranges = [{ pid: proc.pid, startVpn, endVpn, event: MmuNotifyEvent.MIGRATE, owner: self }, ...this.#sharers(proc, startVpn, endVpn).map((s) => ({ ...s, event: MmuNotifyEvent.MIGRATE, owner: self }))];
    this.#notifier.invalidateAll(ranges, () => {
      // A page another process mapped only since (a migration that restored its entry meanwhile) has a mirror nobody invalidated: invalidate again, with it.
      const covered = (s: { pid: Pid; startVpn: number }): boolean => ranges.some((r) => r.pid === s.pid && r.startVpn <= s.startVpn && s.startVpn < r.endVpn);
      if (!this.#sharers(proc, startVpn, endVpn).every(covered)) return this.#collect(proc, startVpn, endVpn, owner, then);
      const pending = migrateVmaCollect(this.#core, proc, startVpn, endVpn, owner);
      if (typeof pending !== 'number') this.#active++;
      then(pending);
    });
  }

  /**
   * The pages other processes map of [startVpn, endVpn) of `proc` (shared
   * after fork, shared memory): collect unmaps them there too
   * (`try_to_migrate` walks the rmap), so their mirrors are invalidated
   * first. One single-page range per mapping.
   */
  #sharers(proc: Process, startVpn: number, endVpn: number): { pid: Pid; startVpn: number; endVpn: number }[] {
    const core = this.#core;
    const out: { pid: Pid; startVpn: number; endVpn: number }[] = [];
    core.pageTables.forEachPresent(proc.root, startVpn, endVpn, (_vpn, pte) => {
      const pfn = core.pageTables.readPfn(pte);
      if (pfn === core.zeroPfn || core.frames.mapcount(pfn) < 2) return;
      for (const hit of rmapWalk(core, pfn)) if (hit.proc !== proc) out.push({ pid: hit.proc.pid, startVpn: hit.vpn, endVpn: hit.vpn + 1 });
    });
    return out;
  }

  #copyToDevice(pending: PendingMigration, device: NodeId, remote: RemoteDeviceMemory, done: MigrationDone): void {
    // Collect selects system pages and this device's own (which its driver declines: already there); another device's pages are skipped, never moved device to device.
    const frames = this.#core.frames;
    const entries = pending.m.entries.filter((e) => e.migrate && (e.src === null || !isHmmDevicePage(frames, e.src) || frames.memNode(e.src) === (device as number)));
    if (entries.length === 0) return this.#finish(pending, 'device', done);
    const srcPfns = entries.map((e) => e.src ?? 0);
    const dataBytes = entries.filter((e) => e.src !== null).length * this.#core.pageSize;
    this.#request(device, { srcPfns, allocDst: true, dataBytes }, (reply) => {
      const dst = reply.dstPfns ?? [];
      entries.forEach((e, i) => {
        const d = dst[i] ?? 0;
        if (d === 0) return;
        remote.received(d);
        e.dst = d;
      });
      this.#finish(pending, 'device', done);
    });
  }

  /**
   * Migrates the device pages of [startVpn, endVpn) of `proc` back to this
   * node's RAM: RAM pages are allocated here (never charged: the charge
   * moves, so this never fails on a memcg limit [6/6]), each owning device
   * copies its pages into them, then the migration finishes. A page gets no
   * RAM page when RAM is full and stays where it is. Calls `done` with the
   * counts (or EINVAL at once). With `fromDevice`, only that device's pages
   * move (`MIGRATE_VMA_SELECT_DEVICE_*` with the driver's pgmap owner); the
   * others are skipped. Caller holds the process as for `toDevice`.
   */
  toRam(proc: Process, startVpn: number, endVpn: number, owner: string | null, done: MigrationDone, fromDevice?: NodeId): void {
    this.#collect(proc, startVpn, endVpn, owner, (pending) => (typeof pending === 'number' ? done(pending) : this.#copyToRam(proc, pending, done, fromDevice)));
  }

  #copyToRam(proc: Process, pending: PendingMigration, done: MigrationDone, fromDevice: NodeId | undefined): void {
    const byDevice = new Map<NodeId, MigrateEntry[]>();
    for (const e of pending.m.entries) {
      if (!e.migrate || e.src === null || !isHmmDevicePage(this.#core.frames, e.src)) continue;
      if (fromDevice !== undefined && this.#core.frames.memNode(e.src) !== (fromDevice as number)) continue;
      const dst = this.#core.allocRamPage([proc.cpuNode]);
      if (dst === null) continue;
      e.dst = dst;
      const device = this.#core.frames.memNode(e.src) as number as NodeId;
      const list = byDevice.get(device) ?? [];
      list.push(e);
      byDevice.set(device, list);
    }
    let outstanding = byDevice.size;
    if (outstanding === 0) return this.#finish(pending, 'ram', done);
    for (const [device, list] of byDevice) {
      this.#request(device, { srcPfns: list.map((e) => e.src!), dstPfns: list.map((e) => e.dst!) }, () => {
        if (--outstanding === 0) this.#finish(pending, 'ram', done);
      });
    }
  }

  /**
   * `migrate_vma_pages` + `migrate_vma_finalize`, then `done` with the
   * counts. A destination replacing the zero page (collect leaves it
   * mapped, no migration entry) changes a PTE a device may have mirrored
   * since: those pages are invalidated first (`ptep_clear_flush` notifies).
   */
  #finish(pending: PendingMigration, to: 'device' | 'ram', done: MigrationDone): void {
    const finish = (): void => {
      const r = migrateVmaFinish(this.#core, pending);
      if (to === 'device') this.stats.pagesToDevice += r.migrated;
      else this.stats.pagesToRam += r.migrated;
      this.stats.skipped += r.skipped;
      this.#active--;
      const waiters = this.#waiters;
      this.#waiters = [];
      // Woken after the caller saw the result: they run as new events, not inside this migration's finish.
      if (waiters.length) this.#kernel.at(this.#kernel.nowPs, 'migration entry wait', () => waiters.forEach((w) => w()));
      done(r);
    };
    const pt = this.#core.pageTables;
    const isZero = (vpn: number): boolean => {
      const pte = pt.lookup(pending.proc.root, vpn);
      return pte >= 0 && pteKind(pt.readBits(pte)) === PteKind.ZERO;
    };
    const zeroVpns = pending.m.entries.filter((e) => e.src === null && e.migrate && e.dst !== null && isZero(e.vpn)).map((e) => e.vpn);
    if (zeroVpns.length === 0) return finish();
    this.#notifier.invalidate({ pid: pending.proc.pid, startVpn: Math.min(...zeroVpns), endVpn: Math.max(...zeroVpns) + 1, event: MmuNotifyEvent.MIGRATE, owner: this.#kernel.self }, finish);
  }
}
