/**
 * The processes of one CPU node, on the memory manager (@cdmsim/mm), and the
 * CPU side of everything devices do with them:
 *  - the range fault that snapshots (and faults in) a process range for a
 *    device's mirror (`RangeFaultService`, range-fault-service.ts:
 *    `hmm_range_fault` and `make_device_exclusive` run on the device's
 *    behalf, answered over the bus after the walk and the faults it took);
 *  - the device memories this node's mm knows (`attachDevice`: the driver's
 *    pagemap callbacks as bus messages, `RemoteDeviceMemory`);
 *  - migrations to a device and back (`migrations`, `migrate_vma` with the
 *    copying driver on the device's worker);
 *  - CPU faults on device-private entries (`withDeviceFaults`: the page is
 *    migrated back, then the access retried);
 *  - driver evictions (the driver asks this node to migrate pages back to
 *    RAM; served when the node's mmap lock is free, `onEvictionRequest`);
 *  - the mmu notifiers of device mirrors (`notifier`: a device that
 *    range-faults a process subscribes; munmap, mprotect, madvise, fork,
 *    CPU writes that may copy a page, migrations and exit invalidate the
 *    mirrors of the range and wait for every acknowledgement before mm
 *    changes it; a change mm announces outside such a window fails the run).
 * Allocation follows the process's placement policy (local RAM first).
 */
import { CdmsimError, type MemNodeId, type NodeId, type Pid, type Ps } from '@cdmsim/engine';
import { accessPfn, createProcess, Errno, getUserPages, GUP_MIGRATE_OWNER, releaseUserPages, type GupFlags, exitProcess, forkProcess, isErrPtr, madvise, mmap, MmuNotifyEvent, mprotect, munmap, ptrErr, rmapWalk, type MadviseAdvice, type MemcgId, type MigrateResult, type MmCore, type PageAllocator, type Process } from '@cdmsim/mm';
import { PTE_WRITE, PteKind, pteKind, VPN_LIMIT } from '@cdmsim/shm';
import type { cdmsim, EnvelopeData } from '@cdmsim/proto';
import type { NodeKernel } from '@cdmsim/kernel';
import type { PageCaches } from '../cache/page-caches.js';
import { registerDeviceMemory } from '../mm/node-mm.js';
import { RangeFaultService } from './range-fault-service.js';
import { LockHolderQueue } from './lock-holder-queue.js';
import { MirrorNotifier } from './mirror-notifier.js';
import { NodeMigrations } from './node-migrations.js';
import { RemoteDeviceMemory, type PendingDeviceFault } from './remote-device-memory.js';

/** Counters of a CPU node's process hosting (plain data). */
export interface HostStats {
  /** CPU page faults of this node's processes (including those taken for range faults). */
  faults: number;
  /** Range faults served for devices, and the pages they covered. */
  rangeFaults: number;
  rangeFaultPages: number;
  /** Frames freed when processes exited. */
  framesFreed: number;
  /** CPU faults on device-private entries served by migrating the page back to RAM. */
  deviceFaults: number;
  /** Eviction requests of device drivers served, and the pages they moved back. */
  evictionRequests: number;
  evictedPages: number;
  /** Migrate-on-fault requests of device drivers served, and the pages they moved to the devices. */
  placementRequests: number;
  placedPages: number;
}

/** A device memory this node's mm knows, and its kind. */
export interface AttachedDevice {
  readonly node: NodeId;
  readonly kind: 'public' | 'private';
}

/** A driver's request to migrate some of its pages held on this node back to RAM (it runs short). */
export interface EvictionRequest {
  readonly device: NodeId;
  readonly pfns: readonly number[];
  /** The request's transaction (the answer carries it). */
  readonly txn: number;
}

/**
 * A driver's request to migrate a range of a process: into its memory
 * (`to: 'device'`: migrate on device fault, the migrate hint) or its pages
 * of the range back to RAM (`to: 'system'`: the test device's
 * migrate-to-system).
 */
export interface PlacementRequest {
  readonly device: NodeId;
  readonly to: 'device' | 'system';
  readonly pid: Pid;
  readonly startVpn: number;
  readonly endVpn: number;
  /** The request's transaction (the answer carries it). */
  readonly txn: number;
}

/**
 * Splits [startVpn, endVpn) of `proc` at its VMA boundaries; returns the
 * pieces, or EINVAL when a page of the range lies outside every VMA or in
 * one that is not readable (`dmirror_migrate_to_device`: `!vma ||
 * !(vma->vm_flags & VM_READ)`).
 */
function readableSegments(proc: Process, startVpn: number, endVpn: number): { start: number; end: number }[] | Errno {
  const out: { start: number; end: number }[] = [];
  if (!(endVpn > startVpn)) return Errno.EINVAL;
  for (let vpn = startVpn; vpn < endVpn; ) {
    const vma = proc.findVma(vpn);
    if (!vma || !vma.read) return Errno.EINVAL;
    const end = Math.min(endVpn, vma.end);
    out.push({ start: vpn, end });
    vpn = end;
  }
  return out;
}

/** Optional parts of a host. */
export interface HostOptions {
  /** With caches: this node's page caches (the sources of every DMA are flushed over the bus first). */
  readonly caches?: PageCaches;
}

/** How `Host.withDeviceFaultsAsync` retries: rounds of device-fault service, and the results that met a page under migration (they wait for it). */
export interface DeviceFaultRetry<T> {
  readonly maxRounds?: number;
  readonly underMigration?: (result: T) => boolean;
}

/** Rounds of migrating faulted device-private pages back before an access counts as failed. */
export const MAX_DEVICE_FAULT_ROUNDS = 4;

/** Page-table levels a walk reads (4-level x86-64 / POWER radix). */
const WALK_LEVELS = 4;

/** The processes of one CPU node. */
export class Host {
  readonly stats: HostStats = { faults: 0, rangeFaults: 0, rangeFaultPages: 0, framesFreed: 0, deviceFaults: 0, evictionRequests: 0, evictedPages: 0, placementRequests: 0, placedPages: 0 };
  /** This node's MmCore (it owns this node's RAM). */
  readonly core: MmCore;
  /** Migrations of this node's processes to devices and back. */
  readonly migrations: NodeMigrations;
  /** The device mirrors of this node's processes and their invalidations. */
  readonly notifier: MirrorNotifier;
  readonly #kernel: NodeKernel;
  readonly #ram: PageAllocator;
  /** The device memories attached to this node's mm, by device node. */
  readonly #remotes = new Map<NodeId, RemoteDeviceMemory>();
  readonly #evictions: LockHolderQueue<EvictionRequest>;
  readonly #placements: LockHolderQueue<PlacementRequest>;

  /**
   * Hosts processes on `core` (this CPU node's MmCore, owning its RAM) and
   * registers the RangeFault, DmaCopyDone, MigrateRequest (eviction) and
   * RangeInvalidateAck handlers on `kernel`.
   * @throws CdmsimError when `core` does not own this node's RAM.
   */
  constructor(kernel: NodeKernel, core: MmCore, options: HostOptions = {}) {
    this.#kernel = kernel;
    this.core = core;
    const ram = core.ram.get(kernel.self as number as MemNodeId);
    if (!ram) throw new CdmsimError(`node ${kernel.spec.name}: its MmCore does not own its RAM`);
    this.#ram = ram;
    this.notifier = new MirrorNotifier(kernel);
    this.migrations = new NodeMigrations(kernel, core, this.#remotes, this.notifier, options.caches?.pages ?? null);
    this.#evictions = new LockHolderQueue(kernel.spec.name, 'an eviction request', 'onEvictionRequest');
    this.#placements = new LockHolderQueue(kernel.spec.name, 'a driver\'s range migration request', 'onPlacementRequest');
    new RangeFaultService(kernel, this);
    kernel.on('migrate', 'host', (env) => this.#evictionRequest(env));
    kernel.on('migrateToDevice', 'host', (env) => this.#placementRequest(env, 'device'));
    kernel.on('migrateToSystem', 'host', (env) => this.#placementRequest(env, 'system'));
  }

  /**
   * Registers the first `pages` frames of `device`'s memory (all when
   * absent) in this node's mm, with the driver's pagemap callbacks as bus
   * messages (`RemoteDeviceMemory`). Every node must attach the same ranges
   * (the driver registers them on its own worker too). Returns the device and its memory's kind.
   */
  attachDevice(device: NodeId, pages?: number): AttachedDevice {
    const remote = new RemoteDeviceMemory(this.#kernel, device);
    this.#remotes.set(device, remote);
    return { node: device, kind: registerDeviceMemory(this.core, device, remote, pages).kind };
  }

  /** PageFree messages sent to drivers (pages of theirs that went idle here). */
  get pageFreesSent(): number {
    let n = 0;
    for (const r of this.#remotes.values()) n += r.pageFreesSent;
    return n;
  }

  /** Returns, per attached device still holding pages on this node, how many and one of them (empty when every device page came back). */
  heldDevicePages(): { readonly device: NodeId; readonly pages: number; readonly example: number }[] {
    const out: { device: NodeId; pages: number; example: number }[] = [];
    for (const r of this.#remotes.values()) {
      const held = [...r.inUsePages()];
      if (held.length) out.push({ device: r.device, pages: held.length, example: held[0]! });
    }
    return out;
  }

  /**
   * Runs `attempt` (an access through the CPU fault path); while it leaves
   * device-private faults pending (the access met a device-private entry
   * and the driver's fault callback returned EAGAIN, `do_swap_page` →
   * `pgmap->page_fault`), migrates those pages back to RAM with the owning
   * device doing the copy, then runs `attempt` again, at most a few rounds.
   * Calls `done` with the last result. Caller holds this node's mmap lock
   * (no other operation of this node runs until `done`). `maxRounds` bounds
   * the rounds (default MAX_DEVICE_FAULT_ROUNDS).
   */
  withDeviceFaults<T>(attempt: () => T, done: (result: T) => void, maxRounds = MAX_DEVICE_FAULT_ROUNDS): void {
    this.withDeviceFaultsAsync((then) => then(attempt()), done, { maxRounds });
  }

  /**
   * A CPU access of the process to page `vpn` (`access`: a write that may
   * copy a page invalidates the mirrors first), with device-private faults
   * served as `withDeviceFaults` does; `done` gets the pfn or
   * `errPtr(errno)`. Caller holds this node's mmap lock until `done`.
   */
  userAccess(proc: Process, vpn: number, write: boolean, done: (pfn: number) => void): void {
    // EAGAIN from a migration entry (`do_swap_page` → `migration_entry_wait`).
    this.withDeviceFaultsAsync((then) => this.access(proc, vpn, write, then), done, { underMigration: (pfn) => isErrPtr(pfn) && ptrErr(pfn) === Errno.EAGAIN });
  }

  /**
   * `withDeviceFaults` for an attempt that finishes later (it calls `then`
   * with its result: a walk inside an invalidation window). `retry`: the
   * rounds of device-fault service (default MAX_DEVICE_FAULT_ROUNDS), and
   * which results met a page under migration: those wait for a migration
   * of this node to finish (`migration_entry_wait`) and try again. Caller
   * holds this node's mmap lock.
   */
  withDeviceFaultsAsync<T>(attempt: (then: (result: T) => void) => void, done: (result: T) => void, retry: DeviceFaultRetry<T> = {}): void {
    this.#retryDeviceFaults(attempt, done, retry, 0);
  }

  #retryDeviceFaults<T>(attempt: (then: (result: T) => void) => void, done: (result: T) => void, retry: DeviceFaultRetry<T>, round: number): void {
    attempt((result) => {
      const faults = this.#takeDeviceFaults();
      if (faults === null || round >= (retry.maxRounds ?? MAX_DEVICE_FAULT_ROUNDS)) {
        // A page under migration (`migration_entry_wait`): wait for a migration of this node to finish, then start over.
        if (retry.underMigration?.(result) && this.migrations.afterMigration(() => this.#retryDeviceFaults(attempt, done, retry, 0))) return;
        return done(result);
      }
      const serve = (i: number): void => {
        if (i === faults.length) return this.#retryDeviceFaults(attempt, done, retry, round + 1);
        const f = faults[i]!;
        const proc = this.core.processes.get(f.pid);
        if (!proc) return serve(i + 1);
        this.stats.deviceFaults++;
        this.migrations.toRam(proc, f.vpn, f.vpn + 1, 'device-fault', () => serve(i + 1));
      };
      serve(0);
    });
  }

  /** The device-private faults the attached device memories recorded since the last call (they are taken), or null when there are none (the per-access case). */
  #takeDeviceFaults(): PendingDeviceFault[] | null {
    let faults: PendingDeviceFault[] | null = null;
    for (const r of this.#remotes.values()) if (r.pendingFaults.length > 0) (faults ??= []).push(...r.pendingFaults.splice(0));
    return faults;
  }

  /**
   * Sets who serves driver evictions: `queued` is called each time a
   * request arrives; the holder of this node's mmap lock then takes it
   * (`takeEviction`) and serves it (`serveEviction`) when no operation of
   * the node is running.
   */
  onEvictionRequest(queued: () => void): void {
    this.#evictions.onQueued(queued);
  }

  /** Returns the oldest eviction request not yet served, or undefined. */
  takeEviction(): EvictionRequest | undefined {
    return this.#evictions.take();
  }

  /** Eviction requests waiting to be served. */
  get pendingEvictions(): number {
    return this.#evictions.size;
  }

  /**
   * Serves `req`: migrates back to RAM every page of the request this node
   * still holds and maps (one migration per page, `migrate_vma` with the
   * device copying), then answers the driver with the counts and calls
   * `done`. Caller holds this node's mmap lock.
   */
  serveEviction(req: EvictionRequest, done: () => void): void {
    this.stats.evictionRequests++;
    const remote = this.#remotes.get(req.device);
    const targets: { proc: Process; vpn: number }[] = [];
    for (const pfn of req.pfns) {
      if (!remote?.holds(pfn)) continue; // freed meanwhile (its PageFree is on the way)
      const hit = rmapWalk(this.core, pfn)[0];
      if (hit) targets.push({ proc: hit.proc, vpn: hit.vpn });
    }
    let migrated = 0;
    let skipped = 0;
    const step = (i: number): void => {
      if (i === targets.length) {
        this.stats.evictedPages += migrated;
        this.#kernel.send(req.device, { txn: req.txn, migrateDone: { migrated, skipped } });
        return done();
      }
      const t = targets[i]!;
      this.migrations.toRam(t.proc, t.vpn, t.vpn + 1, `evict-${req.device}`, (r: MigrateResult | Errno) => {
        if (typeof r === 'object') {
          migrated += r.migrated;
          skipped += r.skipped;
        } else skipped++;
        step(i + 1);
      });
    };
    step(0);
  }

  /**
   * Sets who serves drivers' migrate-on-fault requests: `queued` is called
   * each time one arrives; the holder of this node's mmap lock then takes
   * it (`takePlacement`) and serves it (`servePlacement`).
   */
  onPlacementRequest(queued: () => void): void {
    this.#placements.onQueued(queued);
  }

  /** Returns the oldest migrate-on-fault request not yet served, or undefined. */
  takePlacement(): PlacementRequest | undefined {
    return this.#placements.take();
  }

  /**
   * Serves `req`: migrates its range to the asking device
   * (`migrations.toDevice`: `migrate_vma` with the device copying, its
   * mirrors invalidated first), or the asking device's pages of the range
   * back to RAM (`migrations.toRam` limited to that device); answers the
   * driver with the counts (or the errno) and calls `done`. Caller holds
   * this node's mmap lock.
   */
  servePlacement(req: PlacementRequest, done: () => void): void {
    this.stats.placementRequests++;
    const answer = (migrated: number, skipped: number, error: number): void => {
      const counts = { pid: req.pid, vaddr: req.startVpn * this.core.pageSize, migrated, skipped, error };
      if (req.to === 'device') {
        this.stats.placedPages += migrated;
        this.#kernel.send(req.device, { txn: req.txn, migrateToDeviceDone: counts });
      } else this.#kernel.send(req.device, { txn: req.txn, migrateToSystemDone: counts });
      done();
    };
    const proc = this.core.processes.get(req.pid);
    // MigrateDone carries a positive errno.
    if (!proc) return answer(0, 0, Errno.ESRCH);
    const settle = (r: MigrateResult | Errno): void => (typeof r === 'number' ? answer(0, 0, r) : answer(r.migrated, r.skipped, 0));
    const segments = readableSegments(proc, req.startVpn, req.endVpn);
    if (typeof segments === 'number') return answer(0, 0, segments);
    // The driver migrates VMA by VMA (dmirror_migrate_to_device's loop over find_vma); the counts add up.
    let migrated = 0;
    let skipped = 0;
    const next = (i: number): void => {
      const seg = segments[i];
      if (!seg) return answer(migrated, skipped, 0);
      const add = (r: MigrateResult | Errno): void => {
        if (typeof r === 'number') return settle(r);
        migrated += r.migrated;
        skipped += r.skipped;
        next(i + 1);
      };
      if (req.to === 'device') this.migrations.toDevice(proc, seg.start, seg.end, req.device, add);
      else this.migrations.toRam(proc, seg.start, seg.end, `dmirror-${req.device}`, add, req.device);
    };
    next(0);
  }

  #placementRequest(env: cdmsim.Envelope | EnvelopeData, to: PlacementRequest['to']): void {
    const r = to === 'device' ? env.migrateToDevice! : env.migrateToSystem!;
    const startVpn = Math.floor(Number(r.vaddr ?? 0) / this.core.pageSize);
    this.#placements.push({ device: env.src as NodeId, to, pid: (r.pid ?? 0) as Pid, startVpn, endVpn: startVpn + (r.npages ?? 0), txn: env.txn ?? 0 }, env.src as NodeId);
  }

  #evictionRequest(env: cdmsim.Envelope | EnvelopeData): void {
    this.#evictions.push({ device: env.src as NodeId, pfns: (env.migrate?.pfns ?? []).map(Number), txn: env.txn ?? 0 }, env.src as NodeId);
  }

  /** Frames of this node's RAM allocated now (the zero page included). */
  get framesInUse(): number {
    return this.#ram.allocatedCount();
  }

  /** Distinct frames of this node's RAM ever allocated in the run (the zero page included). */
  get framesTouched(): number {
    return this.#ram.touchedCount();
  }

  /** Starts a process on this node in memcg `memcg` (default root), its mappings guarded by the mirror check (`MirrorNotifier.guard`); returns it. */
  spawn(memcg?: MemcgId): Process {
    const proc = createProcess(this.core, this.#kernel.self as number as MemNodeId, memcg);
    this.notifier.guard(proc);
    return proc;
  }

  /**
   * Runs the mm change `change` of [startVpn, endVpn) of `proc` once every
   * device mirror of the range is invalidated (`event`, caused by this
   * node's kernel) and acknowledged; `done` gets its result. A range that
   * is not whole pages from 0 is EINVAL at once, with nothing sent.
   */
  #changeMirrored<T>(proc: Process, startVpn: number, endVpn: number, event: MmuNotifyEvent, change: () => T, done: (result: T | Errno) => void): void {
    if (!Number.isInteger(startVpn) || !Number.isInteger(endVpn) || startVpn < 0 || endVpn <= startVpn || endVpn > VPN_LIMIT) return done(Errno.EINVAL);
    this.notifier.invalidate({ pid: proc.pid, startVpn, endVpn, event, owner: this.#kernel.self }, () => done(change()));
  }

  /** `munmap` of `pages` pages of `proc` from `startVpn`, its mirrors invalidated first (UNMAP); `done` gets OK or EINVAL. Caller holds the mmap lock until `done`. */
  munmap(proc: Process, startVpn: number, pages: number, done: (result: Errno) => void): void {
    this.#changeMirrored(proc, startVpn, startVpn + pages, MmuNotifyEvent.UNMAP, () => munmap(this.core, proc, startVpn, pages), done);
  }

  /**
   * `mprotect` of `pages` pages of `proc` from `startVpn` to read-only
   * (`write` false) or PROT_NONE (`read` false), the mirrors invalidated
   * first (PROTECTION_VMA), or to writable (nothing a mirror holds
   * changes); `done` gets OK, EINVAL or ENOMEM. Caller holds the mmap lock
   * until `done`.
   */
  mprotect(proc: Process, startVpn: number, pages: number, write: boolean, done: (result: Errno) => void, read = true): void {
    if (write && read) return done(mprotect(this.core, proc, startVpn, pages, true));
    this.#changeMirrored(proc, startVpn, startVpn + pages, MmuNotifyEvent.PROTECTION_VMA, () => mprotect(this.core, proc, startVpn, pages, write, read), done);
  }

  /** `madvise` DONTNEED / FREE of `pages` pages of `proc` from `startVpn`, its mirrors invalidated first (CLEAR); `done` gets mm's result. Caller holds the mmap lock until `done`. */
  madvise(proc: Process, startVpn: number, pages: number, advice: MadviseAdvice, done: (result: Errno) => void): void {
    this.#changeMirrored(proc, startVpn, startVpn + pages, MmuNotifyEvent.CLEAR, () => madvise(this.core, proc, startVpn, pages, advice), done);
  }

  /**
   * `fork` of `proc`: its mirrors are invalidated over the whole address
   * space first (PROTECTION_PAGE: private pages become copy-on-write);
   * `done` gets the child, guarded like a spawned process. Caller holds the
   * parent's mmap lock until `done`.
   */
  fork(proc: Process, done: (child: Process) => void): void {
    this.notifier.invalidate({ pid: proc.pid, startVpn: 0, endVpn: VPN_LIMIT, event: MmuNotifyEvent.PROTECTION_PAGE, owner: this.#kernel.self }, () => {
      const child = forkProcess(this.core, proc);
      this.notifier.guard(child);
      done(child);
    });
  }

  /**
   * A CPU access to page `vpn` of a process devices may mirror: like
   * `touch`, but a write to a present read-only entry (which may copy the
   * page, `wp_page_copy`) first invalidates that page in every mirror
   * (CLEAR). `done` gets the pfn or `errPtr(errno)`. Caller holds the mmap
   * lock until `done`.
   */
  access(proc: Process, vpn: number, write: boolean, done: (pfn: number) => void): void {
    this.inWalkWindow(proc, vpn, 1, write, () => done(this.touch(proc, vpn, write)));
  }

  /**
   * The kernel's gup_test ioctls (`GUP_BASIC_TEST`, `PIN_*_BENCHMARK`):
   * takes and releases references on `pages` pages of `proc` from `vpn`
   * (`get_user_pages` / `pin_user_pages`, `flags.write` = FOLL_WRITE,
   * `flags.longterm` = FOLL_LONGTERM). A long-term pin first migrates the
   * range's device pages to RAM (`check_and_migrate_movable_pages`: device
   * memory is never pinned [6/6]); device-private pages are faulted back by
   * their driver. A write walk runs after an invalidation of the range's
   * mirrors (CLEAR: the walk may break copy-on-write). `done` gets OK or GUP's errno. Caller
   * holds the mmap lock until `done`.
   */
  gupTest(proc: Process, vpn: number, pages: number, flags: GupFlags, done: (result: Errno) => void, round = 0): void {
    const pinFlags = { ...flags, callerMigrates: true };
    // Each walk runs inside its own invalidation window when it may break copy-on-write or restore device-exclusive entries.
    const walk = (then: (r: number[] | Errno) => void): void => this.inWalkWindow(proc, vpn, pages, flags.write ?? false, () => then(getUserPages(this.core, proc, vpn, pages, pinFlags)));
    const gup = (): void =>
      this.withDeviceFaultsAsync(walk, (r) => {
        // A device page the migration skipped (busy at collect): migrate and pin again, a few times.
        if (r === Errno.EBUSY && flags.longterm && round < MAX_DEVICE_FAULT_ROUNDS) return this.gupTest(proc, vpn, pages, flags, done, round + 1);
        if (typeof r === 'number') return done(r);
        releaseUserPages(this.core, r, flags);
        done(Errno.OK);
      }, { underMigration: (r) => r === Errno.EAGAIN });
    if (!flags.longterm) return gup();
    // check_and_migrate_movable_pages, VMA by VMA (a migration covers one VMA); holes are GUP's to report.
    const segments = proc.vmas.filter((v) => v.start < vpn + pages && vpn < v.end).map((v) => ({ start: Math.max(v.start, vpn), end: Math.min(v.end, vpn + pages) }));
    const migrate = (i: number): void => {
      const seg = segments[i];
      if (!seg) return gup();
      this.migrations.toRam(proc, seg.start, seg.end, GUP_MIGRATE_OWNER, () => migrate(i + 1));
    };
    migrate(0);
  }

  /**
   * Runs `walk` (a CPU walk of [vpn, vpn + npages) of `proc`, for writing
   * when `write`) inside the invalidation it needs (`#walkInvalidation`),
   * or at once when it changes nothing a device may mirror. Caller holds
   * the mmap lock until `walk` ran.
   */
  inWalkWindow(proc: Process, vpn: number, npages: number, write: boolean, walk: () => void): void {
    const event = this.#walkInvalidation(proc, vpn, npages, write);
    if (event === null) return walk();
    this.notifier.invalidate({ pid: proc.pid, startVpn: vpn, endVpn: vpn + npages, event, owner: this.#kernel.self }, walk);
  }

  /**
   * Returns the event of the invalidation a CPU walk of [vpn, vpn + npages)
   * of `proc` must run inside, or null when it changes nothing a device
   * may mirror: EXCLUSIVE when it meets a device-exclusive entry (the walk
   * restores it: `remove_device_exclusive_entry`), CLEAR for a write that
   * may copy a page (`wp_page_copy`: a read-only PTE). Null at once when no
   * device mirrors the process.
   */
  #walkInvalidation(proc: Process, vpn: number, npages: number, write: boolean): MmuNotifyEvent | null {
    if (this.notifier.subscribers(proc.pid).length === 0) return null;
    const pt = this.core.pageTables;
    let event: MmuNotifyEvent | null = null;
    for (let v = vpn; v < vpn + npages; v++) {
      const pte = pt.lookup(proc.root, v);
      if (pte < 0) continue;
      const bits = pt.readBits(pte);
      const kind = pteKind(bits);
      if (kind === PteKind.DEVICE_EXCLUSIVE) return MmuNotifyEvent.EXCLUSIVE;
      if (write && (kind === PteKind.PRESENT || kind === PteKind.DEVMAP || kind === PteKind.ZERO) && (bits & PTE_WRITE) === 0) event = MmuNotifyEvent.CLEAR;
    }
    return event;
  }

  /**
   * Maps `bytes` of anonymous private memory in `proc` (`mmap(MAP_ANONYMOUS | MAP_PRIVATE)`); returns its first vpn.
   * @throws CdmsimError when the mapping fails (the address space is full: a setup bug).
   */
  mmapAnon(proc: Process, bytes: number): number {
    const pages = Math.ceil(bytes / this.core.pageSize);
    const vpn = mmap(this.core, proc, { pages, kind: 'anon' });
    if (isErrPtr(vpn)) throw new CdmsimError(`node ${this.#kernel.spec.name}: mmap of ${pages} pages for pid ${proc.pid} failed: ${Errno[ptrErr(vpn)]}`);
    return vpn;
  }

  /**
   * The CPU touches page `vpn` of `proc` (`handle_mm_fault` when the entry
   * does not allow the access): returns the pfn it can access, or
   * `errPtr(errno)` (EFAULT, ENOMEM, EAGAIN; test with `isErrPtr`). Counts
   * the faults it took.
   */
  touch(proc: Process, vpn: number, write: boolean): number {
    const before = this.core.stats.faults;
    const pfn = accessPfn(this.core, proc, vpn, write);
    this.stats.faults += this.core.stats.faults - before;
    return pfn;
  }

  /** Returns the pfn a present (or devmap) entry of `proc` maps at `vpn`, or undefined (no walk cost, no fault). */
  presentPfn(proc: Process, vpn: number): number | undefined {
    const pt = this.core.pageTables;
    const pte = pt.lookup(proc.root, vpn);
    if (pte < 0) return undefined;
    const kind = pteKind(pt.readBits(pte));
    return kind === PteKind.PRESENT || kind === PteKind.DEVMAP ? pt.readPfn(pte) : undefined;
  }

  /**
   * The process exits (`exit_mmap`): first every device mirror of it is
   * invalidated over the whole address space (`mmu_notifier_release`, event
   * RELEASE) and acknowledged, then every mapping is torn down and the
   * subscriptions dropped. Calls `done` with the frames of this node's RAM
   * it freed. Caller holds this node's mmap lock until `done`.
   */
  exit(proc: Process, done: (framesFreed: number) => void): void {
    this.notifier.invalidate({ pid: proc.pid, startVpn: 0, endVpn: VPN_LIMIT, event: MmuNotifyEvent.RELEASE, owner: this.#kernel.self }, () => {
      const before = this.#ram.allocatedCount();
      exitProcess(this.core, proc);
      this.notifier.forget(proc.pid);
      const freed = before - this.#ram.allocatedCount();
      this.stats.framesFreed += freed;
      done(freed);
    });
  }

  /** Time to walk the page table for `npages` entries (DRAM reads; no walk cache is modelled). */
  walkPs(npages: number): Ps {
    const dram = this.#kernel.spec.memory.latencyPs;
    return WALK_LEVELS * dram + Math.ceil(npages / 8) * dram;
  }

  /** The CPU's cost of one page fault (`faultLatencyPs`). */
  faultPs(): Ps {
    const spec = this.#kernel.spec;
    return spec.kind === 'cpu' ? spec.faultLatencyPs : 0;
  }
}
