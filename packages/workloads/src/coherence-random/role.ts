/**
 * The coherence-random workload's parts on one node: tested lines, the
 * cross-worker monitor, the node's cache + directory on the bus, and the
 * agent. NodeWorker builds one per node when `config.workload.kind` is
 * `coherence-random`.
 */
import { brokenProtocol } from '@cdmsim/coherence';
import type { CoherenceRandomWorkloadSpec, SimConfig } from '@cdmsim/config';
import type { CoherenceWatch } from '@cdmsim/shm';
import type { NodeKernel } from '@cdmsim/kernel';
import type { MemoryRanges } from '@cdmsim/platform';
import { CoherenceRandomAgent, type CoherenceAgentStats } from './agent.js';
import { CoherentNode, type CoherenceTrafficStats } from '@cdmsim/platform';
import { CrossWorkerMonitor } from '@cdmsim/platform';
import { placeTestedLines } from '../shared/tested-lines.js';
import { shrunkCacheSpec } from '@cdmsim/platform';
import { watchdogOptions } from '@cdmsim/platform';

/** One node's report of the coherence-random workload (plain data). */
export interface CoherenceNodeReport {
  readonly agent: CoherenceAgentStats;
  readonly traffic: CoherenceTrafficStats;
}

/** The coherence-random workload on one node. */
export class CoherenceWorkload {
  readonly #node: CoherentNode;
  readonly #agent: CoherenceRandomAgent;

  /**
   * `watch` is the run's shared coherence watch (one slot per tested line);
   * `mode` is the run's mode (the watchdog's timer runs in deterministic mode only).
   */
  constructor(kernel: NodeKernel, config: SimConfig, spec: CoherenceRandomWorkloadSpec, ranges: MemoryRanges, watch: CoherenceWatch, mode: 'deterministic' | 'free') {
    const lineBytes = kernel.spec.cache.lineBytes;
    const lines = placeTestedLines(config.topology, ranges, spec.lines, lineBytes);
    const monitor = new CrossWorkerMonitor(watch, lines, config.topology, kernel.seed);
    const tables = spec.testOnlyBrokenProtocol ? brokenProtocol(spec.testOnlyBrokenProtocol) : {};
    const watchdog = watchdogOptions(config.topology, spec.watchdogPs, mode === 'deterministic');
    this.#node = new CoherentNode(kernel, lines, monitor, watchdog, tables, shrunkCacheSpec(kernel.spec.cache, spec.cacheLines));
    this.#agent = new CoherenceRandomAgent(kernel, this.#node, lines, spec);
    this.#agent.begin();
  }

  /**
   * Returns this node's counters.
   * @throws DeadlockError (an InvariantViolation) listing the transactions still open and their lines' states, or InvariantViolation when the agent did not finish (see `checkFinished`).
   */
  finish(): CoherenceNodeReport {
    this.#node.checkIdle();
    this.#agent.checkFinished();
    return { agent: { ...this.#agent.stats }, traffic: this.#node.traffic() };
  }
}
