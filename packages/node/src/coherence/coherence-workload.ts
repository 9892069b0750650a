/**
 * The coherence-random workload's parts on one node: tested lines, the
 * cross-worker monitor, the node's cache + directory on the bus, and the
 * agent. NodeWorker builds one per node when `config.workload.kind` is
 * `coherence-random`.
 */
import { brokenProtocol } from '@cdmsim/coherence';
import type { CoherenceRandomWorkloadSpec, SimConfig } from '@cdmsim/config';
import type { CoherenceWatch } from '@cdmsim/shm';
import type { NodeKernel } from '../kernel.js';
import type { MemoryRanges } from '../memory-map.js';
import { CoherenceRandomAgent, type CoherenceAgentStats } from './coherence-random-agent.js';
import { CoherentNode, type CoherenceTrafficStats } from './coherent-node.js';
import { CrossWorkerMonitor } from './cross-worker-monitor.js';
import { placeTestedLines } from './tested-lines.js';
import { workloadCacheSpec } from './workload-cache.js';

/** One node's report of the coherence-random workload (plain data). */
export interface CoherenceNodeReport {
  readonly agent: CoherenceAgentStats;
  readonly traffic: CoherenceTrafficStats;
}

/** The coherence-random workload on one node. */
export class CoherenceWorkload {
  readonly #node: CoherentNode;
  readonly #agent: CoherenceRandomAgent;

  /** `watch` is the run's shared coherence watch (one slot per tested line). */
  constructor(kernel: NodeKernel, config: SimConfig, spec: CoherenceRandomWorkloadSpec, ranges: MemoryRanges, watch: CoherenceWatch) {
    const lineBytes = kernel.spec.cache.lineBytes;
    const lines = placeTestedLines(config.topology, ranges, spec.lines, lineBytes);
    const monitor = new CrossWorkerMonitor(watch, lines, config.topology, kernel.seed);
    const tables = spec.testOnlyBrokenProtocol ? brokenProtocol(spec.testOnlyBrokenProtocol) : {};
    this.#node = new CoherentNode(kernel, lines, monitor, tables, workloadCacheSpec(kernel.spec.cache, spec.cacheLines));
    this.#agent = new CoherenceRandomAgent(kernel, this.#node, lines, spec);
    this.#agent.begin();
  }

  /** Returns this node's counters. @throws InvariantViolation when the agent did not finish (see `checkFinished`). */
  finish(): CoherenceNodeReport {
    this.#agent.checkFinished();
    return { agent: { ...this.#agent.stats }, traffic: this.#node.traffic() };
  }
}
