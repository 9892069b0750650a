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
    const subs = this.subscribers(range.pid);
    if (subs.length === 0) return this.#inWindow(range, change);
    const pageSize = this.#kernel.topology.pageSizeBytes;
    const started = this.#kernel.nowPs;
    let waiting = subs.length;
    this.stats.invalidations++;
    this.stats.messages += subs.length;
    const rangeInvalidate = { pid: range.pid, start: range.startVpn * pageSize, end: range.endVpn * pageSize, event: INVALIDATE_EVENT_OF[range.event], owner: range.owner };
    for (const device of subs) {
      this.#acks.send(device, { rangeInvalidate }, () => {
        if (--waiting > 0) return;
        const waited = this.#kernel.nowPs - started;
        this.stats.waitPs += waited;
        this.stats.maxWaitPs = Math.max(this.stats.maxWaitPs, waited);
        this.#inWindow(range, change);
      });
    }
  }

  #inWindow(range: MirrorInvalidation, change: () => void): void {
    this.#open.push(range);
    try {
      change();
    } finally {
      this.#open.splice(this.#open.lastIndexOf(range), 1);
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
