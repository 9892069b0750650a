/**
 * The range-fault service of a CPU node (`hmm_range_fault` on behalf of
 * devices on other workers): a device's RangeFault walks, and when asked
 * faults, a range of one of this node's processes and is answered with one
 * pfn and HMM flags per page, or takes the range for the device's
 * exclusive access (`make_device_exclusive`). The asking device subscribes
 * to the process's invalidations. A walk waits for invalidations and
 * migrations under way, runs inside an invalidation when it changes what
 * devices may mirror, and has device-private pages it meets migrated back
 * to RAM first (`Host.withDeviceFaultsAsync`).
 */
import type { NodeId, Pid } from '@cdmsim/engine';
import { Errno, HmmPfn, hmmRangeFault, isErrPtr, makeDeviceExclusive, MmuNotifyEvent, ptrErr, type Process, type RangeSnapshot } from '@cdmsim/mm';
import type { cdmsim, EnvelopeData } from '@cdmsim/proto';
import type { NodeKernel } from '@cdmsim/kernel';
import { MAX_DEVICE_FAULT_ROUNDS, type Host } from './host.js';

/** Serves the RangeFault messages of one CPU node. */
export class RangeFaultService {
  readonly #kernel: NodeKernel;
  readonly #host: Host;

  /** Registers the RangeFault handler on `kernel`; walks `host`'s processes. */
  constructor(kernel: NodeKernel, host: Host) {
    this.#kernel = kernel;
    this.#host = host;
    kernel.on('rangeFault', 'host', (env) => this.#serve(env));
  }

  /**
   * Serves a device's RangeFault (`hmm_range_fault` on its behalf; the
   * device subscribes to the process's invalidations): faults the range in
   * (write access when asked; nothing for a snapshot) and replies with one
   * pfn and HMM flags per page, after the walk and the faults it took. A
   * failed walk replies with the negative errno and no pages.
   */
  #serve(env: cdmsim.Envelope | EnvelopeData): void {
    const req = env.rangeFault!;
    const pageSize = this.#kernel.topology.pageSizeBytes;
    const firstVpn = Math.floor((req.vaddr ?? 0) / pageSize);
    const npages = req.npages ?? 0;
    this.#host.stats.rangeFaults++;
    this.#host.stats.rangeFaultPages += npages;
    const proc = this.#host.core.processes.get((req.pid ?? 0) as Pid);
    if (proc) this.#host.notifier.subscribe(proc.pid, env.src as NodeId);
    const reply = (r: RangeSnapshot | Errno): void => {
      const faults = typeof r === 'number' ? 0 : r.faults;
      this.#host.stats.faults += faults;
      const doneAt = this.#kernel.nowPs + this.#host.walkPs(npages) + faults * this.#host.faultPs();
      const body = typeof r === 'number' ? { pfns: [], flags: [], error: -r } : { pfns: r.pfns, flags: r.flags, error: 0 };
      this.#kernel.at(doneAt, 'range fault reply', () =>
        this.#kernel.send(env.src as NodeId, { txn: env.txn ?? 0, rangeFaultReply: { pid: req.pid ?? 0, vaddr: req.vaddr ?? 0, ...body } }),
      );
    };
    if (!proc) return reply(Errno.ESRCH);
    const write = req.write ?? false;
    const device = env.src as NodeId;
    // A walk that changes what devices may mirror (a write that copies pages, `wp_page_copy`; a device-exclusive entry it restores) runs inside an invalidation of the range; the asking device sees it overtake its range fault and asks again, as `mmu_interval_read_retry` makes dmirror do.
    const walk = (): RangeSnapshot | Errno => hmmRangeFault(this.#host.core, proc, firstVpn, npages, { fault: !req.snapshot, write, ownerMemNode: device });
    // make_device_exclusive for the asking device: one EXCLUSIVE invalidation it owns (its own mirror keeps its entries), then every page in turn.
    const inWindow = (then: (r: RangeSnapshot | Errno) => void): void => {
      if (req.exclusive) this.#host.notifier.invalidate({ pid: proc.pid, startVpn: firstVpn, endVpn: firstVpn + npages, event: MmuNotifyEvent.EXCLUSIVE, owner: device }, () => then(this.#makeExclusive(proc, firstVpn, npages, device)));
      else if (req.snapshot) then(walk());
      // A walk that changes what devices may mirror (a write that copies pages, `wp_page_copy`; a device-exclusive entry it restores) runs inside an invalidation of the range; the asking device sees it overtake its range fault and asks again, as `mmu_interval_read_retry` makes dmirror do.
      else this.#host.inWalkWindow(proc, firstVpn, npages, write, () => then(walk()));
    };
    // Each attempt first waits while an invalidation of the range is under way (`mmu_interval_read_begin`). Device-private pages a faulting walk meets (another device's, or this one's read-only ones for a write) are migrated back to RAM by their driver (`do_swap_page` → `migrate_to_ram`), then the walk runs again; it stops at the first such page, so it may take a round per page. A walk that meets pages under migration waits for the migration (`migration_entry_wait`).
    const attempt = (then: (r: RangeSnapshot | Errno) => void): void => this.#host.notifier.afterInvalidations(proc.pid, firstVpn, firstVpn + npages, () => inWindow(then));
    this.#host.withDeviceFaultsAsync(attempt, reply, { maxRounds: MAX_DEVICE_FAULT_ROUNDS + npages, underMigration: (r) => r === Errno.EBUSY || r === Errno.EAGAIN });
  }

  /** `make_device_exclusive` on every page of the range for `device`: the pfns (VALID | WRITE) or the first page's errno (its fault's; EBUSY for a page that cannot be exclusive). Caller holds the mmap lock and an open EXCLUSIVE window of the range. */
  #makeExclusive(proc: Process, firstVpn: number, npages: number, device: NodeId): RangeSnapshot | Errno {
    const pfns: number[] = [];
    const flags: number[] = [];
    for (let vpn = firstVpn; vpn < firstVpn + npages; vpn++) {
      const r = makeDeviceExclusive(this.#host.core, proc, vpn, `dmirror-${device}`);
      if (isErrPtr(r)) return ptrErr(r);
      pfns.push(r);
      flags.push(HmmPfn.VALID | HmmPfn.WRITE);
    }
    return { pfns, flags, faults: 0 };
  }
}
