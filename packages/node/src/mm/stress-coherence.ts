/**
 * The coherent caches of the mm-stress workload on one node (with
 * `caches: true`): the lines of the stress's frames, the cross-worker
 * monitor over the run's coherence watch, the node's cache + directory on
 * the bus (the directory's memory is the shared page contents), and the
 * page-coherence hooks installed in the node's MmCore.
 */
import { InvariantViolation } from '@cdmsim/engine';
import type { MmStressWorkloadSpec, Topology } from '@cdmsim/config';
import type { MmCore } from '@cdmsim/mm';
import type { CoherenceWatch, MemoryDesc } from '@cdmsim/shm';
import type { NodeKernel } from '../kernel.js';
import { CoherentNode, type CoherenceTrafficStats } from '../coherence/coherent-node.js';
import { CrossWorkerMonitor } from '../coherence/cross-worker-monitor.js';
import { watchdogOptions } from '../coherence/watchdog-threshold.js';
import { workloadCacheSpec } from '../coherence/workload-cache.js';
import { PageLines } from './page-lines.js';
import { WorkerPageCoherence, type PageCoherenceSabotage, type PageCoherenceStats } from './worker-page-coherence.js';

/** One node's coherence parts in an mm-stress run. */
export interface StressCoherence {
  readonly lines: PageLines;
  readonly node: CoherentNode;
  readonly pages: WorkerPageCoherence;
}

/** One node's coherence report of an mm-stress run (plain data). */
export interface StressCoherenceReport {
  readonly traffic: CoherenceTrafficStats;
  readonly pages: PageCoherenceStats;
}

/** Returns the number of lines the run's coherence watch needs for `spec` on `topology` (`memories`: the memory map). */
export function stressWatchLines(topology: Topology, memories: readonly MemoryDesc[], spec: MmStressWorkloadSpec): number {
  return new PageLines(topology, memories, spec).count;
}

/**
 * Builds node `kernel.self`'s coherence parts and installs the hooks as
 * `core.coherence`. Every node of the run must call it (every node is the
 * home of its memory's lines). `mode` arms the watchdog's timer in
 * deterministic mode only.
 */
export function createStressCoherence(kernel: NodeKernel, topology: Topology, spec: MmStressWorkloadSpec, core: MmCore, watch: CoherenceWatch, mode: 'deterministic' | 'free'): StressCoherence {
  const lines = new PageLines(topology, core.frames.map.memories, spec);
  if (watch.lines !== lines.count) throw new Error(`node ${kernel.spec.name}: the coherence watch has ${watch.lines} lines, the mm-stress frames ${lines.count}`);
  const monitor = new CrossWorkerMonitor(watch, lines, topology, kernel.seed);
  const watchdog = watchdogOptions(topology, undefined, mode === 'deterministic');
  const node = new CoherentNode(kernel, lines, monitor, watchdog, {}, workloadCacheSpec(kernel.spec.cache, spec.cacheLines), WorkerPageCoherence.memoryOf(core, lines));
  const s = spec.testOnlySabotage;
  const sabotage: PageCoherenceSabotage | undefined = s === 'skip-dma-flush' || s === 'skip-free-invalidate' ? s : undefined;
  const pages = new WorkerPageCoherence(kernel, node, lines, core, watch, sabotage);
  core.coherence = pages;
  return { lines, node, pages };
}

/**
 * Returns the node's report after the run.
 * @throws DeadlockError when a coherence transaction is still open, or InvariantViolation when a recall never completed.
 */
export function finishStressCoherence(c: StressCoherence, nodeName: string, seed: number): StressCoherenceReport {
  c.node.checkIdle();
  if (!c.pages.idle) throw new InvariantViolation(`node ${nodeName}: a page recall or a held frame was still pending at the end of the run`, seed);
  return { traffic: c.node.traffic(), pages: { ...c.pages.stats } };
}
