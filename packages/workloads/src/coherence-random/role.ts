/**
 * The coherence-random workload's role on one node: tested lines, the
 * cross-worker monitor, the node's cache + directory on the bus, and the
 * agent. Every node of a coherence-random run has one.
 */
import { brokenProtocol } from '@cdmsim/coherence';
import { CoherentNode, CrossWorkerMonitor, shrunkCacheSpec, watchdogOptions, type CoherenceTrafficStats, type NodeEnv } from '@cdmsim/platform';
import { CoherenceRandomAgent, type CoherenceAgentStats } from './agent.js';
import type { CoherenceRandomWorkloadSpec } from './config.js';
import { placeTestedLines } from '../shared/tested-lines.js';
import { coherenceWatchOf } from '../shared/shared-parts.js';
import type { WorkloadRole } from '../workload.js';

/** One node's report of the coherence-random workload (plain data). */
export interface CoherenceNodeReport {
  readonly agent: CoherenceAgentStats;
  readonly traffic: CoherenceTrafficStats;
}

/** The coherence-random workload on one node. */
export class CoherenceRandomRole implements WorkloadRole<CoherenceNodeReport> {
  readonly #node: CoherentNode;
  readonly #agent: CoherenceRandomAgent;

  /** Builds the node's cache + directory on the tested lines and its agent, and schedules the agent's first operation. The run's coherence watch has one slot per tested line. */
  constructor(env: NodeEnv, spec: CoherenceRandomWorkloadSpec) {
    const { kernel, config } = env;
    const lineBytes = kernel.spec.cache.lineBytes;
    const lines = placeTestedLines(config.topology, env.memory, spec.lines, lineBytes);
    const monitor = new CrossWorkerMonitor(coherenceWatchOf(env.shared, spec.kind), lines, config.topology, kernel.seed);
    const tables = spec.testOnlyBrokenProtocol ? brokenProtocol(spec.testOnlyBrokenProtocol) : {};
    const watchdog = watchdogOptions(config.topology, spec.watchdogPs, env.mode === 'deterministic');
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
