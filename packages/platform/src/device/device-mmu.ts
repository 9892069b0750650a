/**
 * A device's MMU as its driver drives it: the device populates its mirror
 * of a process range with range faults (`hmm_range_fault`, served by the
 * process's CPU node over the bus, in batches after the driver's fault
 * cost), then reads and writes through the mirror: each access goes to the
 * home agent of the page it maps (its own memory, another device's, or a
 * CPU's RAM over the coherent links). The process's CPU node invalidates
 * mirrored ranges before it changes them (RangeInvalidate, acknowledged);
 * a range fault that an invalidation overtook is sent again (the sequence
 * check of `mmu_interval_read_retry`). An access that finds no entry is
 * a device fault: the driver's fault buffer (`DeviceFaultBuffer`) parks
 * it, maps its page with `faultRun` and replays it.
 */
import { CdmsimError, type NodeId, type Pid, type Ps } from '@cdmsim/engine';
import { Errno } from '@cdmsim/mm';
import { cdmsim, type EnvelopeData } from '@cdmsim/proto';
import { PendingReplies, type NodeKernel } from '@cdmsim/kernel';
import type { MemoryRanges } from '../memory/memory-map.js';
import type { MirrorTable } from './mirror-table.js';
import type { FaultRun } from './fault-batch.js';
import { dmirrorSnapshotByte } from './snapshot-entry.js';

/** Pages per range fault (one `hmm_range_fault` call) when the device populates its mirror. */
export const PAGES_PER_RANGE_FAULT = 512;
/** Invalidations a device remembers per process to check range faults in flight against (older ones count as overlapping). */
const RECENT_INVALIDATIONS = 256;

/** Range faults of one chunk an invalidation may overtake before the mirror gives up with EBUSY (a livelock bound). */
export const MAX_RANGE_FAULT_RETRIES = 16;

/**
 * How long a range fault keeps walking again while the host answers EBUSY
 * (pages under migration) or EAGAIN (a foreign private page on its way to
 * RAM): 1 ms of simulated time, then the error stands. The kernel's
 * `HMM_RANGE_DEFAULT_TIMEOUT` is 1 s; at the driver's fault cost per walk a
 * shorter bound keeps a livelocked run short.
 */
export const RANGE_FAULT_TIMEOUT_PS = 1_000_000_000;

/** Counters of a device's MMU (plain data). */
export interface DeviceMmuStats {
  /** Range faults sent, and the pages they asked for. */
  rangeFaults: number;
  rangeFaultPages: number;
  /** Pages a range fault reported not valid (left out of the mirror). */
  invalidPages: number;
  /** Accesses through the mirror. */
  accesses: number;
  /** Invalidations received, the mirror entries they cleared, and those skipped as this device's own (its migrations, its exclusive takes). */
  invalidations: number;
  invalidatedPages: number;
  ownMigrationsSkipped: number;
  /** Range faults sent again because an invalidation arrived while they were out. */
  rangeFaultRetries: number;
  /** Range faults sent again because the host found pages under migration (EBUSY / EAGAIN). */
  rangeFaultBusyRetries: number;
  /** Invalidations whose acknowledgement waited for accesses already sent to the range. */
  fencedInvalidations: number;
  /** Device faults (accesses that found no usable entry), the batches that serviced them, the distinct pages faulted and the duplicates a batch folded away. */
  deviceFaults: number;
  faultBatches: number;
  faultedPages: number;
  duplicateFaults: number;
  /** Faults whose page an earlier batch had already brought in by the time their batch was fetched (replayed without a range fault). */
  staleFaults: number;
  /** Simulated time accesses waited in the fault buffer until replayed, summed. */
  faultWaitPs: number;
  /** With the `migrate` policy: migrate-on-fault requests sent, and the pages they moved here. */
  migrateRequests: number;
  migratedPages: number;
}

/** One range fault: `npages` of `pid` from `vpn`, asked of `host`; a snapshot faults nothing; `consume` takes the entries instead of the mirror. */
interface RangeFaultCall {
  readonly host: NodeId;
  readonly pid: Pid;
  readonly vpn: number;
  readonly npages: number;
  readonly write: boolean;
  readonly snapshot: boolean;
  /** `make_device_exclusive` instead of a walk. */
  readonly exclusive?: boolean;
  /** Takes the entries instead of the mirror; `seq` is the notifier sequence the range fault was sent at. */
  readonly consume?: (pfns: readonly number[], flags: readonly number[], seq: number) => void;
}

/** What a device access returned: the home agent's status and, for a read, the data. */
export interface AccessResult {
  readonly ok: boolean;
  readonly data: Uint8Array;
}

/** One device's MMU over its mirror. */
export class DeviceMmu {
  readonly stats: DeviceMmuStats = {
    rangeFaults: 0,
    rangeFaultPages: 0,
    invalidPages: 0,
    accesses: 0,
    invalidations: 0,
    invalidatedPages: 0,
    ownMigrationsSkipped: 0,
    rangeFaultRetries: 0,
    rangeFaultBusyRetries: 0,
    fencedInvalidations: 0,
    deviceFaults: 0,
    faultBatches: 0,
    faultedPages: 0,
    duplicateFaults: 0,
    staleFaults: 0,
    faultWaitPs: 0,
    migrateRequests: 0,
    migratedPages: 0,
  };
  readonly mirror: MirrorTable;
  readonly #kernel: NodeKernel;
  readonly #memory: MemoryRanges;
  readonly #zeroPfn: number;
  readonly #rangeFaults: PendingReplies;
  readonly #accesses: PendingReplies;
  /** The latest invalidations of each process (at most RECENT_INVALIDATIONS), numbered from 1: the last one's number is the notifier sequence `mmu_interval_read_begin` samples. */
  readonly #recent = new Map<Pid, { readonly seq: number; readonly startVpn: number; readonly endVpn: number }[]>();
  /** Accesses sent and not answered, per page (key `pid * 2^32 + vpn`): an invalidation of their page waits for them. */
  readonly #inFlight = new Map<number, number>();
  /** Invalidations whose acknowledgement waits for in-flight accesses of their range. */
  #fences: { readonly pid: Pid; readonly startVpn: number; readonly endVpn: number; readonly ack: () => void }[] = [];

  /**
   * Registers the RangeFaultReply, MemResponse and RangeInvalidate
   * handlers on `kernel`; `memory` locates every pfn's home; `zeroPfn` is
   * ZERO_PAGE(0) (snapshots name it).
   */
  constructor(kernel: NodeKernel, mirror: MirrorTable, memory: MemoryRanges, zeroPfn: number) {
    this.#kernel = kernel;
    this.mirror = mirror;
    this.#memory = memory;
    this.#zeroPfn = zeroPfn;
    this.#rangeFaults = new PendingReplies(kernel, 'rangeFaultReply', 'device-mmu');
    this.#accesses = new PendingReplies(kernel, 'memResp', 'mem-client');
    kernel.on('rangeInvalidate', 'device-mmu', (env) => this.#invalidate(env));
  }

  /** The driver's cost of handling a device fault before its range fault leaves. */
  #faultPs(): Ps {
    const spec = this.#kernel.spec;
    return spec.kind === 'gpu' ? spec.faultLatencyPs : 0;
  }

  /**
   * Populates the mirror of [firstVpn, endVpn) of process `pid`, which runs
   * on CPU node `host`: one range fault per PAGES_PER_RANGE_FAULT pages
   * (faulting pages in, for writing when `write`), each sent after the
   * driver's fault cost. A reply that an invalidation of the process
   * overtook is dropped and its range fault sent again (at most
   * MAX_RANGE_FAULT_RETRIES times, then EBUSY). `done(Errno.OK)` runs once
   * every chunk is in the mirror, `done(errno)` with the first error.
   * Pages reported not valid stay out of the mirror.
   */
  mirrorRange(host: NodeId, pid: Pid, firstVpn: number, endVpn: number, write: boolean, done: (result: Errno) => void): void {
    this.#inChunks(firstVpn, endVpn - firstVpn, (vpn, npages, finish) => this.#faultChunk({ host, pid, vpn, npages, write, snapshot: false }, this.#faultPs(), 0, finish), done);
  }

  /**
   * The test device's exclusive command (`dmirror_exclusive`): asks `host`
   * to make [firstVpn, endVpn) of `pid` exclusive to this device
   * (`make_device_exclusive`, the pages faulted in for writing) and maps
   * every page it gets in the mirror with the atomic tag
   * (`dmirror_atomic_map`, `DPT_XA_TAG_ATOMIC`). The next CPU touch of a
   * page invalidates its entry. `done` gets OK or the errno.
   */
  makeExclusive(host: NodeId, pid: Pid, firstVpn: number, endVpn: number, done: (result: Errno) => void): void {
    const atomic = (vpn: number) => (pfns: readonly number[], flags: readonly number[]): void => this.#fill(pid, vpn, pfns, flags, true);
    this.#inChunks(firstVpn, endVpn - firstVpn, (vpn, npages, finish) => this.#faultChunk({ host, pid, vpn, npages, write: true, snapshot: false, exclusive: true, consume: atomic(vpn) }, this.#faultPs(), 0, finish), done);
  }

  /** `dmirror_check_atomic`: EPERM while the mirror holds a page of [firstVpn, endVpn) of `pid` for atomic access, else OK. */
  checkExclusive(pid: Pid, firstVpn: number, endVpn: number): Errno {
    for (let vpn = firstVpn; vpn < endVpn; vpn++) if (this.mirror.lookup(pid, vpn)?.atomic) return Errno.EPERM;
    return Errno.OK;
  }

  /** Runs `send` for each chunk of at most PAGES_PER_RANGE_FAULT pages of `npages` from `firstVpn`, all at once; `done` gets the first error, or OK, once every chunk finished. */
  #inChunks(firstVpn: number, npages: number, send: (vpn: number, npages: number, finish: (r: Errno) => void) => void, done: (result: Errno) => void): void {
    let outstanding = 0;
    let result = Errno.OK;
    const finish = (r: Errno): void => {
      if (result === Errno.OK) result = r;
      if (--outstanding === 0) done(result);
    };
    for (let i = 0; i < npages; i += PAGES_PER_RANGE_FAULT) outstanding++;
    if (outstanding === 0) return done(result);
    for (let i = 0; i < npages; i += PAGES_PER_RANGE_FAULT) send(firstVpn + i, Math.min(PAGES_PER_RANGE_FAULT, npages - i), finish);
  }

  /**
   * The test device's snapshot (`dmirror_snapshot`): walks `npages` pages of
   * `pid` from `firstVpn` with snapshot-only range faults to `host` (no page
   * is faulted in; retried like any range fault an invalidation overtook)
   * and calls `done` with one byte per page in dmirror's encoding
   * (`dmirrorSnapshotByte`), or with the errno of a failed walk. The mirror
   * is left as it is.
   */
  snapshot(host: NodeId, pid: Pid, firstVpn: number, npages: number, done: (result: Uint8Array | Errno) => void): void {
    const bytes = new Uint8Array(npages);
    const ctx = { memory: this.#memory, self: this.#kernel.self, zeroPfn: this.#zeroPfn };
    const send = (vpn: number, n: number, finish: (r: Errno) => void): void => {
      const consume = (pfns: readonly number[], flags: readonly number[]): void => {
        for (let j = 0; j < pfns.length; j++) bytes[vpn - firstVpn + j] = dmirrorSnapshotByte(flags[j] ?? 0, pfns[j] ?? 0, ctx);
      };
      this.#faultChunk({ host, pid, vpn, npages: n, write: false, snapshot: true, consume }, this.#faultPs(), 0, finish);
    };
    this.#inChunks(firstVpn, npages, send, (r) => done(r === Errno.OK ? bytes : r));
  }

  /**
   * The driver's `finalize_and_map` after a migration into its memory
   * (`dmirror_migrate_finalize_and_map`): a snapshot-only range fault of
   * `npages` pages of `pid` from `firstVpn` (nothing is faulted in), whose
   * pages that now live in this device's memory enter the mirror, writable
   * when the CPU's entry is; the other pages stay out. `done` gets OK or
   * the walk's errno.
   */
  mapLocal(host: NodeId, pid: Pid, firstVpn: number, npages: number, done: (result: Errno) => void): void {
    const self = this.#kernel.self;
    const send = (vpn: number, n: number, finish: (r: Errno) => void): void => {
      const consume = (pfns: readonly number[], flags: readonly number[]): void => {
        const own = pfns.map((pfn, j) => (this.#memory.of(pfn)?.home === self ? (flags[j] ?? 0) : 0));
        this.#fill(pid, vpn, pfns, own);
      };
      this.#faultChunk({ host, pid, vpn, npages: n, write: false, snapshot: true, consume }, this.#faultPs(), 0, finish);
    };
    this.#inChunks(firstVpn, npages, send, done);
  }

  /**
   * One `hmm_range_fault` (`c`), sent after `delayPs` and retried (after
   * the driver's fault cost) while invalidations overtake it; its entries go
   * to `c.consume`, or into the mirror when there is none; `finish` gets
   * its result.
   */
  #faultChunk(c: RangeFaultCall, delayPs: Ps, retries: number, finish: (r: Errno) => void, startedPs: Ps = this.#kernel.nowPs): void {
    const pageSize = this.#kernel.topology.pageSizeBytes;
    this.stats.rangeFaults++;
    this.stats.rangeFaultPages += c.npages;
    this.#kernel.after(delayPs, 'range fault', () => {
      const seq = this.#seqOf(c.pid); // mmu_interval_read_begin
      const rangeFault = { pid: c.pid, vaddr: c.vpn * pageSize, npages: c.npages, write: c.write, ...(c.snapshot ? { snapshot: true } : {}), ...(c.exclusive ? { exclusive: true } : {}) };
      this.#rangeFaults.send(c.host, { rangeFault }, (env) => {
        const r = env.rangeFaultReply!;
        const error = -(r.error ?? 0) as Errno;
        // hmm_range_fault's -EBUSY (a page under migration: migration_entry_wait) or a foreign private page on its way to RAM: walk again, until HMM_RANGE_DEFAULT_TIMEOUT.
        if ((error === Errno.EBUSY || error === Errno.EAGAIN) && this.#kernel.nowPs - startedPs < RANGE_FAULT_TIMEOUT_PS) {
          this.stats.rangeFaultBusyRetries++;
          return this.#faultChunk(c, this.#faultPs(), retries, finish, startedPs);
        }
        if (error) return finish(error);
        if (this.#overtaken(c.pid, seq, c.vpn, c.vpn + c.npages)) {
          // mmu_interval_read_retry: the snapshot may hold pages an invalidation already took away.
          if (retries >= MAX_RANGE_FAULT_RETRIES) return finish(Errno.EBUSY);
          this.stats.rangeFaultRetries++;
          return this.#faultChunk(c, this.#faultPs(), retries + 1, finish, startedPs);
        }
        if (c.consume) c.consume(r.pfns ?? [], r.flags ?? [], seq);
        else this.#fill(c.pid, c.vpn, r.pfns ?? [], r.flags ?? []);
        finish(Errno.OK);
      });
    });
  }

  #seqOf(pid: Pid): number {
    return this.#recent.get(pid)?.at(-1)?.seq ?? 0;
  }

  /**
   * True when an invalidation of `pid` newer than `seq` overlaps
   * [startVpn, endVpn) (the check of `mmu_interval_read_retry`, per range
   * like a driver with one interval notifier per range: invalidations of
   * other ranges, such as other devices' migrations, do not force a retry).
   * When the newer invalidations are no longer all remembered, true.
   */
  #overtaken(pid: Pid, seq: number, startVpn: number, endVpn: number): boolean {
    if (this.#seqOf(pid) === seq) return false;
    const recent = this.#recent.get(pid) ?? [];
    if ((recent[0]?.seq ?? Infinity) > seq + 1) return true;
    return recent.some((r) => r.seq > seq && r.startVpn < endVpn && startVpn < r.endVpn);
  }

  /**
   * A RangeInvalidate from the process's CPU node (the driver's
   * `invalidate` callback of its interval notifier, as dmirror's
   * `dmirror_interval_invalidate`): bumps the process's sequence, clears
   * the range from the mirror unless it is this device's own migration,
   * and acknowledges at once.
   */
  #invalidate(env: cdmsim.Envelope | EnvelopeData): void {
    const r = env.rangeInvalidate!;
    const pid = (r.pid ?? 0) as Pid;
    const pageSize = this.#kernel.topology.pageSizeBytes;
    const startVpn = Math.floor(Number(r.start ?? 0) / pageSize);
    const endVpn = Math.ceil(Number(r.end ?? 0) / pageSize);
    const own = r.owner === this.#kernel.self;
    const event = r.event ?? 0;
    // Its own make_device_exclusive: the pages stay where they are and the reply maps them atomically; counting it would make that reply look overtaken forever.
    const ownExclusive = own && event === cdmsim.InvalidateEvent.INV_EXCLUSIVE;
    const seq = ownExclusive ? this.#seqOf(pid) : this.#record(pid, startVpn, endVpn);
    this.stats.invalidations++;
    if (ownExclusive || (own && event === cdmsim.InvalidateEvent.INV_MIGRATE)) this.stats.ownMigrationsSkipped++;
    else this.stats.invalidatedPages += this.mirror.invalidate(pid, startVpn, endVpn);
    const ack = (): void => {
      this.#kernel.send(env.src as NodeId, { txn: env.txn ?? 0, rangeInvalidateAck: { pid, notifierSeq: seq } });
    };
    // The mirror no longer hands out the range; accesses already sent to it must land before the CPU changes the pages (the driver's TLB shootdown waits for them).
    if (!ownExclusive && this.#accessing(pid, startVpn, endVpn)) {
      this.stats.fencedInvalidations++;
      this.#fences.push({ pid, startVpn, endVpn, ack });
    } else ack();
  }

  /** Logs an invalidation of [startVpn, endVpn) of `pid` (`mmu_interval_set_seq`); returns its sequence number. */
  #record(pid: Pid, startVpn: number, endVpn: number): number {
    const seq = this.#seqOf(pid) + 1;
    const recent = this.#recent.get(pid) ?? [];
    recent.push({ seq, startVpn, endVpn });
    if (recent.length > RECENT_INVALIDATIONS) recent.shift();
    this.#recent.set(pid, recent);
    return seq;
  }

  /** True while an access to a page of [startVpn, endVpn) of `pid` is sent and not answered. */
  #accessing(pid: Pid, startVpn: number, endVpn: number): boolean {
    for (const key of this.#inFlight.keys()) {
      const vpn = key % 2 ** 32;
      if ((key - vpn) / 2 ** 32 === pid && startVpn <= vpn && vpn < endVpn) return true;
    }
    return false;
  }

  /** An access of page `key` was answered: acknowledges the invalidations no access holds back any more. */
  #landed(key: number): void {
    const n = this.#inFlight.get(key)! - 1;
    if (n > 0) {
      this.#inFlight.set(key, n);
      return;
    }
    this.#inFlight.delete(key);
    if (this.#fences.length === 0) return;
    const fences = this.#fences;
    this.#fences = [];
    for (const f of fences) {
      if (this.#accessing(f.pid, f.startVpn, f.endVpn)) this.#fences.push(f);
      else f.ack();
    }
  }

  #fill(pid: Pid, firstVpn: number, pfns: readonly number[], flags: readonly number[], atomic = false): void {
    for (let i = 0; i < pfns.length; i++) {
      const f = flags[i] ?? 0;
      if (!(f & cdmsim.HmmPfnFlag.HMM_PFN_VALID)) {
        this.stats.invalidPages++;
        continue;
      }
      const pfn = pfns[i]!;
      this.mirror.set(pid, firstVpn + i, pfn, (f & cdmsim.HmmPfnFlag.HMM_PFN_WRITE) !== 0, this.#memory.of(pfn)?.kind === 'public', atomic);
    }
  }

  /**
   * One range fault of a device-fault batch (`run` of `pid` on CPU node
   * `host`), sent after `delayPs`. `done` gets its result and a `fill` that
   * puts the reply into the mirror when the batch replays, unless an
   * invalidation of the run came in between (its entries stay out and the
   * accesses fault again).
   */
  faultRun(host: NodeId, run: FaultRun, delayPs: Ps, done: (result: Errno, fill: () => void) => void): void {
    let fill = (): void => undefined;
    const consume = (pfns: readonly number[], flags: readonly number[], seq: number): void => {
      fill = () => {
        if (!this.#overtaken(run.pid, seq, run.firstVpn, run.firstVpn + run.npages)) this.#fill(run.pid, run.firstVpn, pfns, flags);
      };
    };
    this.#faultChunk({ host, pid: run.pid, vpn: run.firstVpn, npages: run.npages, write: run.write, snapshot: false, consume }, delayPs, 0, (r) => done(r, fill));
  }

  /**
   * Reads `size` bytes (`data` undefined) or writes `data` at virtual
   * address `va` of process `pid` through the mirror: the access goes to
   * the home agent of the mapped page; `done` gets its result when the
   * answer arrives. Returns EFAULT at once (nothing sent) when the mirror
   * has no entry for the page, or no write permission for a write (the
   * device would fault: populate the mirror first).
   * @throws CdmsimError when the mirror maps a pfn of no memory (a corrupt mirror).
   */
  access(pid: Pid, va: number, size: number, data: Uint8Array | undefined, done: (result: AccessResult) => void): Errno {
    const pageSize = this.#kernel.topology.pageSizeBytes;
    const entry = this.mirror.lookup(pid, Math.floor(va / pageSize));
    if (!entry || (data !== undefined && !entry.write)) return Errno.EFAULT;
    const home = this.#memory.of(entry.pfn);
    if (!home) throw new CdmsimError(`device ${this.#kernel.spec.name}: the mirror of pid ${pid} maps pfn ${entry.pfn}, which belongs to no memory`);
    this.stats.accesses++;
    const paddr = entry.pfn * pageSize + (va % pageSize);
    const memReq = data === undefined ? { op: cdmsim.MemOp.MEM_READ, paddr, size } : { op: cdmsim.MemOp.MEM_WRITE, paddr, size, data };
    const key = pid * 2 ** 32 + Math.floor(va / pageSize);
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
    this.#accesses.send(home.home, { memReq }, (env) => {
      this.#landed(key);
      const r = env.memResp!;
      done({ ok: !r.status, data: r.data ?? new Uint8Array(0) });
    });
    return Errno.OK;
  }
}
