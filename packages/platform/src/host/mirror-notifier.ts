/**
 * The CPU side of mmu notifiers for device mirrors on other workers. A
 * device that range-faults a process subscribes to it
 * (`mmu_interval_notifier_insert`, as the kernel's dmirror does over the
 * whole address space). A CPU page-table change of a mirrored range first
 * sends a RangeInvalidate to every subscribed device and waits for all
 * their acknowledgements (`mmu_notifier_invalidate_range_start`, which
 * returns once every subscriber stopped using the range); only then does
 * the change run, inside an open invalidation window. Messages and waits
 * are counted.
 *
 * The memory manager announces every mapping change itself, synchronously
 * (`Process.notifiers`); `guard` subscribes a check there that fails the
 * run when mm changes a mirrored range outside an open window, so a CPU
 * path that forgets to invalidate the mirrors over the bus first is found
 * instead of leaving a device with a stale translation.
 */
import { InvariantViolation, type NodeId, type Pid, type Ps } from '@cdmsim/engine';
import { MmuNotifyEvent, type MmuNotifierRange, type Process } from '@cdmsim/mm';
import { cdmsim } from '@cdmsim/proto';
import { PendingReplies, type NodeKernel } from '@cdmsim/kernel';

/** The bus encoding of each notifier event (`enum mmu_notifier_event`). */
export const INVALIDATE_EVENT_OF: Readonly<Record<MmuNotifyEvent, cdmsim.InvalidateEvent>> = {
  [MmuNotifyEvent.UNMAP]: cdmsim.InvalidateEvent.INV_UNMAP,
  [MmuNotifyEvent.CLEAR]: cdmsim.InvalidateEvent.INV_CLEAR,
  [MmuNotifyEvent.PROTECTION_VMA]: cdmsim.InvalidateEvent.INV_PROTECTION,
  [MmuNotifyEvent.PROTECTION_PAGE]: cdmsim.InvalidateEvent.INV_PROTECTION,
  [MmuNotifyEvent.MIGRATE]: cdmsim.InvalidateEvent.INV_MIGRATE,
  [MmuNotifyEvent.RELEASE]: cdmsim.InvalidateEvent.INV_RELEASE,
  [MmuNotifyEvent.EXCLUSIVE]: cdmsim.InvalidateEvent.INV_EXCLUSIVE,
};

/**
 * One invalidation of [startVpn, endVpn) of process `pid`. `owner` is the
 * node that caused it: a device for its own migration (its driver then
 * keeps its mirror, as dmirror skips `MMU_NOTIFY_MIGRATE` events it owns),
 * the CPU node itself for the kernel's own changes.
 */
export interface MirrorInvalidation {
  readonly pid: Pid;
  readonly startVpn: number;
  readonly endVpn: number;
  readonly event: MmuNotifyEvent;
  readonly owner: NodeId;
}

/** Counters of a CPU node's mirror invalidations (plain data). */
export interface MirrorNotifierStats {
  /** Invalidations that had at least one subscribed device. */
  invalidations: number;
  /** RangeInvalidate messages sent (one per subscribed device per invalidation). */
  messages: number;
  /** Simulated time the page-table changes waited for acknowledgements, summed, and the longest wait. */
  waitPs: Ps;
  maxWaitPs: Ps;
}

/** The mirror subscriptions of one CPU node's processes. */
export class MirrorNotifier {
  readonly stats: MirrorNotifierStats = { invalidations: 0, messages: 0, waitPs: 0, maxWaitPs: 0 };
  readonly #kernel: NodeKernel;
  readonly #acks: PendingReplies;
  /** Subscribed devices of each process, in the order they subscribed. */
  readonly #subscribers = new Map<Pid, NodeId[]>();
  /** Invalidations acknowledged whose change is running now. */
  readonly #open: MirrorInvalidation[] = [];
  /** Invalidations sent whose change has not run yet (`invalidate_range_start` without its `_end`). */
  readonly #inProgress: MirrorInvalidation[] = [];
  /** Callers waiting for an invalidation of their range to end (`mmu_interval_read_begin`'s wait). */
  #waiters: { pid: Pid; startVpn: number; endVpn: number; then: () => void }[] = [];

  /** Registers the RangeInvalidateAck handler on `kernel`. */
  constructor(kernel: NodeKernel) {
    this.#kernel = kernel;
    this.#acks = new PendingReplies(kernel, 'rangeInvalidateAck', 'host');
  }

  /** `device` mirrors process `pid` from now on (`mmu_interval_notifier_insert`); subscribing twice is one subscription. */
  subscribe(pid: Pid, device: NodeId): void {
    const subs = this.#subscribers.get(pid);
    if (!subs) this.#subscribers.set(pid, [device]);
    else if (!subs.includes(device)) subs.push(device);
  }

  /** Returns the devices mirroring `pid`, in subscription order. */
  subscribers(pid: Pid): readonly NodeId[] {
    return this.#subscribers.get(pid) ?? [];
  }

  /** Drops every subscription of `pid` (its address space is gone: `mmu_notifier_release` ran). */
  forget(pid: Pid): void {
    this.#subscribers.delete(pid);
  }

  /**
   * Invalidates `range` in every mirror of its process
   * (`mmu_notifier_invalidate_range_start`): sends one RangeInvalidate per
   * subscribed device and, once every one acknowledged (at once when no
   * device mirrors the process), runs `change` with the window open, so
   * the mm calls it makes may change the range. The caller holds the
   * process's mmap lock from this call until `change` returned; whatever
   * `change` starts asynchronously runs after the window closed.
   */
  invalidate(range: MirrorInvalidation, change: () => void): void {
    this.invalidateAll([range], change);
  }

  /**
   * `invalidate` for several ranges at once (of one process or several: a
   * migration also unmaps the pages other processes share, as
   * `try_to_migrate` walks the rmap): every RangeInvalidate is sent, and
   * `change` runs once all of them are acknowledged, with every window open.
   */
  invalidateAll(ranges: readonly MirrorInvalidation[], change: () => void): void {
    const pageSize = this.#kernel.topology.pageSizeBytes;
    const started = this.#kernel.nowPs;
    const sends: { device: NodeId; body: cdmsim.IRangeInvalidate }[] = [];
    for (const range of ranges) {
      const subs = this.subscribers(range.pid);
      if (subs.length === 0) continue;
      this.stats.invalidations++;
      const body = { pid: range.pid, start: range.startVpn * pageSize, end: range.endVpn * pageSize, event: INVALIDATE_EVENT_OF[range.event], owner: range.owner };
      for (const device of subs) sends.push({ device, body });
    }
    if (sends.length === 0) return this.#inWindows(ranges, change);
    this.stats.messages += sends.length;
    this.#inProgress.push(...ranges);
    let waiting = sends.length;
    for (const { device, body } of sends) {
      this.#acks.send(device, { rangeInvalidate: body }, () => {
        if (--waiting > 0) return;
        const waited = this.#kernel.nowPs - started;
        this.stats.waitPs += waited;
        this.stats.maxWaitPs = Math.max(this.stats.maxWaitPs, waited);
        for (const range of ranges) this.#inProgress.splice(this.#inProgress.lastIndexOf(range), 1);
        this.#inWindows(ranges, change);
        this.#wake();
      });
    }
  }

  /**
   * True while an invalidation overlapping [startVpn, endVpn) of `pid` is
   * sent and its change has not run: a range fault must not snapshot the
   * range then (`mmu_interval_read_begin` waits for the invalidation to
   * end), or a device could map a page the change is about to take away.
   */
  invalidating(pid: Pid, startVpn: number, endVpn: number): boolean {
    return this.#inProgress.some((r) => r.pid === pid && r.startVpn < endVpn && startVpn < r.endVpn);
  }

  /**
   * Runs `then` once no invalidation overlapping [startVpn, endVpn) of
   * `pid` is in progress: at once when none is, else right after the
   * change of the last one ran (`mmu_interval_read_begin` sleeps until the
   * invalidation sequence is even again). A range fault waits here instead
   * of snapshotting pages the change is about to take away.
   */
  afterInvalidations(pid: Pid, startVpn: number, endVpn: number, then: () => void): void {
    if (!this.invalidating(pid, startVpn, endVpn)) return then();
    this.#waiters.push({ pid, startVpn, endVpn, then });
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) this.afterInvalidations(w.pid, w.startVpn, w.endVpn, w.then);
  }

  #inWindows(ranges: readonly MirrorInvalidation[], change: () => void): void {
    this.#open.push(...ranges);
    try {
      change();
    } finally {
      for (const range of ranges) this.#open.splice(this.#open.lastIndexOf(range), 1);
    }
  }

  /**
   * Subscribes the mirror check to `proc`'s own notifier chain: a mapping
   * change mm announces for a process some device mirrors must lie inside
   * an open invalidation window of that process.
   * @throws InvariantViolation (from the mm call that announced the change) naming the range, the event and the mirroring devices, with the run's seed.
   */
  guard(proc: Process): void {
    proc.notifiers.register({ invalidateRangeStart: (r) => this.#check(r) });
  }

  #check(r: MmuNotifierRange): void {
    const subs = this.subscribers(r.pid);
    if (subs.length === 0) return;
    if (this.#open.some((w) => w.pid === r.pid && w.startVpn <= r.startVpn && r.endVpn <= w.endVpn)) return;
    const devices = subs.map((d) => this.#kernel.topology.nodes[d]?.name ?? `node ${d}`).join(', ');
    throw new InvariantViolation(
      `node ${this.#kernel.spec.name}: mm changed pages [${r.startVpn}, ${r.endVpn}) of pid ${r.pid} (${r.event}) while ${devices} mirror it, without invalidating their mirrors over the bus first`,
      this.#kernel.seed,
    );
  }
}
