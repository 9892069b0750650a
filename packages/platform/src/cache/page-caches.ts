/**
 * Coherent caches over the pages the memory manager hands out, on one node:
 * the lines of those pages (`PageLines`), the cross-worker monitor over the
 * run's coherence watch, the node's cache + directory on the bus (the
 * directory's memory is the shared page contents), and the page-coherence
 * hooks installed in the node's MmCore (flush before DMA, invalidate before
 * reuse, CPU copies through the cache).
 */
import { InvariantViolation } from '@cdmsim/engine';
import type { CacheSpec, Topology } from '@cdmsim/config';
import type { MmCore } from '@cdmsim/mm';
import type { CoherenceWatch } from '@cdmsim/shm';
import type { EventOrder, NodeKernel } from '@cdmsim/kernel';
import { CoherentNode, type CoherenceTrafficStats } from './coherent-node.js';
import { CrossWorkerMonitor } from './cross-worker-monitor.js';
import { watchdogOptions } from './watchdog-threshold.js';
import type { PageLines } from './page-lines.js';
import { WorkerPageCoherence, type BusPageCoherence, type PageCoherenceStats } from './worker-page-coherence.js';

/** One node's coherent caches over mm pages. */
export interface PageCaches {
  readonly lines: PageLines;
  readonly node: CoherentNode;
  /** The page-coherence hooks (also installed as the MmCore's `coherence`). */
  readonly pages: BusPageCoherence;
}

/** One node's report of its page caches (plain data). */
export interface PageCachesReport {
  readonly traffic: CoherenceTrafficStats;
  readonly pages: PageCoherenceStats;
}

/** What `createPageCaches` builds on. */
export interface PageCachesOptions {
  readonly topology: Topology;
  /** This node's MmCore; its `coherence` hooks are replaced. */
  readonly core: MmCore;
  /** The run's coherence watch: one slot per line of `lines`. */
  readonly watch: CoherenceWatch;
  /** The lines of the pages that may be cached (the same layout on every node). */
  readonly lines: PageLines;
  /** This node's cache (see `shrunkCacheSpec`). */
  readonly cache: CacheSpec;
  /** The run's event order: the watchdog's timer runs in deterministic order only. */
  readonly mode: EventOrder;
  /**
   * TEST ONLY: returns the hooks the node uses in place of the real ones
   * (a sabotage wraps them to skip a flush or an invalidation); `isHome(pfn)`
   * says whether this node is the home of a frame's lines.
   */
  readonly transform?: (pages: BusPageCoherence, isHome: (pfn: number) => boolean) => BusPageCoherence;
}

/**
 * Builds node `kernel.self`'s page caches and installs the hooks as
 * `core.coherence`. Every node of the run must call it (every node is the
 * home of its memory's lines). Returns the parts.
 * @throws CdmsimError when the watch's size does not match `lines`.
 */
export function createPageCaches(kernel: NodeKernel, o: PageCachesOptions): PageCaches {
  if (o.watch.lines !== o.lines.count) throw new InvariantViolation(`node ${kernel.spec.name}: the coherence watch has ${o.watch.lines} lines, the cached pages ${o.lines.count}`);
  const monitor = new CrossWorkerMonitor(o.watch, o.lines, o.topology, kernel.seed);
  const watchdog = watchdogOptions(o.topology, undefined, o.mode === 'deterministic');
  const node = new CoherentNode(kernel, o.lines, monitor, watchdog, {}, o.cache, WorkerPageCoherence.memoryOf(o.core, o.lines));
  const real = new WorkerPageCoherence(kernel, node, o.lines, o.core, o.watch);
  const pages = o.transform ? o.transform(real, (pfn) => o.lines.homeOfPage(pfn) === kernel.self) : real;
  o.core.coherence = pages;
  return { lines: o.lines, node, pages };
}

/**
 * Returns the node's report after the run.
 * @throws DeadlockError when a coherence transaction is still open, or InvariantViolation when a recall never completed.
 */
export function finishPageCaches(c: PageCaches, nodeName: string, seed: number): PageCachesReport {
  c.node.checkIdle();
  if (!c.pages.idle) throw new InvariantViolation(`node ${nodeName}: a page recall or a held frame was still pending at the end of the run`, seed);
  return { traffic: c.node.traffic(), pages: { ...c.pages.stats } };
}
