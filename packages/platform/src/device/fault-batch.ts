/**
 * How a device driver services one batch of device faults, as NVIDIA's UVM
 * driver does (`uvm_gpu_fault_buffer` → fetch, `sort_and_deduplicate`,
 * service per VA block): the faults fetched from the buffer are sorted by
 * process and page, duplicates of a page collapse into one (a write wins
 * over a read), and each run of contiguous pages of one process with the
 * same access becomes one range fault. Pure: the MMU sends the range faults.
 */
import type { Pid } from '@cdmsim/engine';

/** One device access that found no (or no writable) mirror entry. */
export interface DeviceFault {
  readonly pid: Pid;
  readonly vpn: number;
  readonly write: boolean;
}

/** One range fault of a batch: `npages` pages of `pid` from `firstVpn`, for writing when any of its faults wrote. */
export interface FaultRun {
  readonly pid: Pid;
  readonly firstVpn: number;
  readonly npages: number;
  readonly write: boolean;
}

/** What one batch comes to: its range faults, and how many of its faults were duplicates of a page already in the batch. */
export interface FaultBatchPlan {
  readonly runs: readonly FaultRun[];
  readonly uniquePages: number;
  readonly duplicates: number;
}

/** Returns the range faults that service `faults` (one batch), at most `maxRunPages` pages per range fault. */
export function planFaultBatch(faults: readonly DeviceFault[], maxRunPages: number): FaultBatchPlan {
  const sorted = [...faults].sort((a, b) => a.pid - b.pid || a.vpn - b.vpn);
  const pages: { pid: Pid; vpn: number; write: boolean }[] = [];
  for (const f of sorted) {
    const last = pages[pages.length - 1];
    if (last && last.pid === f.pid && last.vpn === f.vpn) last.write ||= f.write;
    else pages.push({ ...f });
  }
  const runs: { pid: Pid; firstVpn: number; npages: number; write: boolean }[] = [];
  for (const p of pages) {
    const run = runs[runs.length - 1];
    if (run && run.pid === p.pid && run.write === p.write && run.firstVpn + run.npages === p.vpn && run.npages < maxRunPages) run.npages++;
    else runs.push({ pid: p.pid, firstVpn: p.vpn, npages: 1, write: p.write });
  }
  return { runs, uniquePages: pages.length, duplicates: faults.length - pages.length };
}
