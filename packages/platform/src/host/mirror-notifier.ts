/**
 * The CPU side of mmu notifiers for device mirrors on other workers. A
 * device that range-faults a process subscribes to it
 * (`mmu_interval_notifier_insert`, as the kernel's dmirror does over the
 * whole address space). A CPU page-table change of a mirrored range first
 * sends a RangeInvalidate to every subscribed device and waits for all
 * their acknowledgements (`mmu_notifier_invalidate_range_start`, which
 * returns once every subscriber stopped using the range); only then does
 * the change run. Messages, waits and pages are counted.
 */
import { type NodeId, type Pid, type Ps } from '@cdmsim/engine';
import { MmuNotifyEvent } from '@cdmsim/mm';
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
   * subscribed device and calls `done` once every one acknowledged, at
   * once when no device mirrors the process. The caller makes its
   * page-table change in `done` and holds the process's mmap lock until then.
   */
  invalidate(range: MirrorInvalidation, done: () => void): void {
    const subs = this.subscribers(range.pid);
    if (subs.length === 0) return done();
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
        done();
      });
    }
  }
}
