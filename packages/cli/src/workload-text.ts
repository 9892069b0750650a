/**
 * One-line descriptions of a run's workload and of its check, for the
 * summary and the HTML report, whatever the workload kind.
 */
import type { WorkloadOutcome } from '@cdmsim/runtime';
import { formatBytes } from './summary-format.js';

/** Returns what the workload did, in one line. */
export function describeWorkload(w: WorkloadOutcome): string {
  if (w.kind === 'coherence-random') {
    const types = Object.entries(w.messagesByType).map(([t, n]) => `${t} ${n}`).join(', ');
    return `coherence-random on ${w.lines} lines: ${w.loads} loads + ${w.stores} stores by ${w.perNode.length} nodes (${w.refused} refused), ${w.flushes} recalls; ${w.messages} coherence messages (${types})`;
  }
  if (w.kind === 'litmus') return `litmus ${w.test} on ${w.threadNodes.join(', ')}: ${w.key}; ${w.messages} coherence messages`;
  if (w.kind === 'mm-stress') {
    const ops = Object.values(w.operations).reduce((a, b) => a + b, 0) + w.cachedReads;
    const c = w.coherence;
    const caches = c ? `; caches: ${w.cachedReads} checked loads, ${c.misses} misses, ${c.writebacks} writebacks, ${c.messages} coherence messages, ${c.pagesRecalled} pages recalled before DMA or reuse (${c.linesRecalled} cached lines), ${c.framesHeld} freed frames held until invalidated` : '; no caches modelled';
    return `mm-stress: ${ops} operations on ${w.perCpu.length} CPU nodes with ${w.perDevice.length} device drivers; pages to public ${w.pagesToPublic}, to private ${w.pagesToPrivate}, back to RAM ${w.pagesToRam} (${w.deviceFaults} device-private faults, ${w.evictedPages} evicted); ${w.dmaRequests} DMA requests, ${w.pageFrees} page_free${caches}`;
  }
  return `shared-buffer ${formatBytes(w.bufferBytes)} from ${w.processNode}, ${w.devices} devices, ${w.deviceReads} reads + ${w.deviceWrites} writes of ${w.accessBytes} B${w.overlap ? ', overlapping (racy)' : ', disjoint slices'}`;
}

/** Returns the result of the workload's check, in one line. */
export function describeCheck(w: WorkloadOutcome): string {
  if (!w.verified) return `FAILED: ${w.problems.join('; ')}`;
  if (w.kind === 'coherence-random') return `passed (SWMR and data values checked across workers, ${w.violations} violations)`;
  if (w.kind === 'mm-stress') return `passed (${w.checks} data + invariant checks on the CPU nodes${w.coherence ? ', data read through the CPU caches, SWMR and data values checked across workers' : ''}; every device page idle and every memcg at zero at the end)`;
  if (w.kind === 'litmus') return `passed (outcome allowed by ${w.test}; SWMR and data values checked across workers, ${w.violations} violations)`;
  return `passed (${w.chunks.written} chunks hold device writes, ${w.chunks.initial} initial)`;
}
