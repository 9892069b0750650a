/**
 * `hmm_range_fault`: the fault-and-snapshot walk a device driver runs over a
 * range of a process's page table to populate its mirror. For each page it
 * reports the pfn and HMM flags (valid, write, device-private); when the
 * range asks to fault, pages that are missing or lack the requested access
 * are faulted in first through the CPU fault path (`handle_mm_fault`). The
 * per-PTE decision is the `range-fault` row of the PTE table.
 */
import { PTE_ENTRY_WRITE, PTE_WRITE, PteKind, pteKind } from '@cdmsim/shm';
import type { Process } from './address-space.js';
import { Errno } from './errno.js';
import { handleMmFault } from './fault.js';
import type { MmCore } from './mm-core.js';
import { pteAction } from './pte-transitions.js';

/** Per-page flags of a range snapshot (the kernel's `HMM_PFN_*` bits; the bus's HmmPfnFlag has the same values). */
export const HmmPfn = {
  /** The entry maps `pfn`. */
  VALID: 1,
  /** The mapping is writable. */
  WRITE: 2,
  /** The page cannot be accessed (reported, not faulted). */
  ERROR: 4,
  /** `pfn` is a device-private page of the device that asked. */
  DEVICE_PRIVATE: 8,
} as const;

/** What a range fault asks for (`hmm_range.default_flags`). */
export interface RangeFaultRequest {
  /** Fault in pages that are missing or lack the requested access (`HMM_PFN_REQ_FAULT`); false = snapshot only. */
  readonly fault: boolean;
  /** Ask for write access (`HMM_PFN_REQ_WRITE`). */
  readonly write: boolean;
  /** Memory node of the asking device: its own device-private pages are reported, not faulted back (`dev_private_owner`). */
  readonly ownerMemNode?: number;
}

/** The snapshot of a range: one pfn and one flag word per page (pfn 0, flags 0 = no entry), and the faults it took. */
export interface RangeSnapshot {
  readonly pfns: number[];
  readonly flags: number[];
  /** CPU faults (`handle_mm_fault`) the walk performed. */
  readonly faults: number;
}

/** Most times one page is faulted before the walk gives up on it (each fault changes the entry it looks at next). */
const MAX_FAULTS_PER_PAGE = 4;

/**
 * `hmm_range_fault` over [startVpn, startVpn + npages) of `proc`. Returns
 * the snapshot (a page outside every VMA, or without the permission asked
 * for, is ERROR in a snapshot-only walk; a page with no entry, or another
 * device's private page, is pfn 0 with no flags), or:
 *  - EFAULT: a page outside every VMA or not readable, when the range asks to fault; or a fault that failed;
 *  - EPERM: a write fault on a page whose VMA is readable but not writable;
 *  - ENOMEM: no memory for a page being faulted in;
 *  - EBUSY: a page is under migration (a migration entry); retry once the migration is over;
 *  - EAGAIN: a device-private page of another device is being migrated back to RAM by its driver (the fault callback returned EAGAIN); retry once it is in RAM.
 * Caller holds the process's mmap lock for read (it runs on the process's CPU node).
 */
export function hmmRangeFault(core: MmCore, proc: Process, startVpn: number, npages: number, req: RangeFaultRequest): RangeSnapshot | Errno {
  const pt = core.pageTables;
  const pfns: number[] = [];
  const flags: number[] = [];
  let faults = 0;
  const fault = (vpn: number): Errno => {
    faults++;
    return handleMmFault(core, proc, vpn, req.write);
  };
  for (let vpn = startVpn; vpn < startVpn + npages; vpn++) {
    const vma = proc.findVma(vpn);
    if (!vma || (req.write ? !vma.write : !vma.read)) {
      // hmm_vma_walk_hole / hmm_vma_walk_test: a hole or a range without the permission is an error page of a snapshot.
      // hmm_vma_fault: a write fault on a readable VMA without VM_WRITE is EPERM; a hole or an unreadable VMA, EFAULT.
      if (req.fault) return vma && vma.read ? Errno.EPERM : Errno.EFAULT;
      pfns.push(0);
      flags.push(HmmPfn.ERROR);
      continue;
    }
    let entry: { pfn: number; flags: number } | undefined;
    for (let attempt = 0; entry === undefined; attempt++) {
      if (attempt > MAX_FAULTS_PER_PAGE) return Errno.EFAULT;
      const pte = pt.lookup(proc.root, vpn);
      const bits = pte < 0 ? 0 : pt.readBits(pte);
      const kind = pte < 0 ? PteKind.NONE : pteKind(bits);
      const pfn = pte < 0 ? 0 : pt.readPfn(pte);
      const writable = (bits & PTE_WRITE) !== 0;
      switch (pteAction('range-fault', kind, proc.pid, vpn)) {
        case 'fault-or-none':
          if (!req.fault) entry = { pfn: 0, flags: 0 };
          break;
        case 'snapshot':
          if (!(req.fault && req.write && !writable)) entry = { pfn, flags: HmmPfn.VALID | (writable ? HmmPfn.WRITE : 0) };
          break;
        case 'snapshot-zero':
          if (!(req.fault && req.write)) entry = { pfn: core.zeroPfn, flags: HmmPfn.VALID };
          break;
        case 'device-private':
          if (req.ownerMemNode !== undefined && core.frames.memNode(pfn) === req.ownerMemNode) {
            // hmm_pte_need_fault: a write fault on the device's own read-only entry (copy-on-write after fork) faults it (back to RAM, then copied).
            if (!(req.fault && req.write && !(bits & PTE_ENTRY_WRITE))) entry = { pfn, flags: HmmPfn.VALID | HmmPfn.DEVICE_PRIVATE | (bits & PTE_ENTRY_WRITE ? HmmPfn.WRITE : 0) };
          } else if (!req.fault) entry = { pfn: 0, flags: 0 };
          break;
        case 'busy':
          return Errno.EBUSY;
      }
      if (entry !== undefined) break;
      const r = fault(vpn);
      if (r !== Errno.OK) return r;
    }
    pfns.push(entry.pfn);
    flags.push(entry.flags);
  }
  return { pfns, flags, faults };
}
