/**
 * The litmus workload's parts on one node: the test's locations (placed like
 * the coherence-random lines: location k homed on node k mod N), the
 * cross-worker monitor, the node's cache + directory on the bus, and the
 * node's thread. Thread i of the test runs on the i-th node of
 * `litmusNodeOrder` (CPUs and GPUs alternately). Every node of a litmus run has one.
 */
import type { NodeId } from '@cdmsim/engine';
import { litmusLocations, litmusTest } from '@cdmsim/coherence';
import type { Topology } from '@cdmsim/config';
import { CoherentNode, CrossWorkerMonitor, shrunkCacheSpec, watchdogOptions, type CoherenceTrafficStats, type NodeEnv } from '@cdmsim/platform';
import { LitmusAgent, LitmusSetupError, type LitmusAgentStats } from './agent.js';
import type { LitmusWorkloadSpec } from './config.js';
import { placeTestedLines } from '../shared/tested-lines.js';
import { coherenceWatchOf } from '../shared/shared-parts.js';
import type { WorkloadRole } from '../workload.js';

/** One node's report of the litmus workload (plain data). */
export interface LitmusNodeReport {
  /** Index of the thread this node ran, or -1. */
  readonly thread: number;
  readonly agent: LitmusAgentStats;
  readonly traffic: CoherenceTrafficStats;
}

/** Returns the nodes threads go to, in thread order: CPUs and GPUs alternately, then the rest. */
export function litmusNodeOrder(topology: Topology): NodeId[] {
  const order: NodeId[] = [];
  for (let i = 0; i < Math.max(topology.cpus.length, topology.devices.length); i++) {
    if (topology.cpus[i]) order.push(topology.cpus[i]!.id);
    if (topology.devices[i]) order.push(topology.devices[i]!.id);
  }
  return order;
}

/** The litmus workload on one node. */
export class LitmusRole implements WorkloadRole<LitmusNodeReport> {
  readonly #node: CoherentNode;
  readonly #agent: LitmusAgent;
  readonly #thread: number;

  /**
   * Builds the node's cache + directory on the test's locations and its
   * thread (if any), and schedules the thread's start. The run's coherence
   * watch has one slot per location.
   * @throws LitmusSetupError when the machine has fewer nodes than the test has threads.
   */
  constructor(env: NodeEnv, spec: LitmusWorkloadSpec) {
    const { kernel, config } = env;
    const test = litmusTest(spec.test);
    const topology = config.topology;
    if (test.threads.length > topology.nodes.length) throw new LitmusSetupError(`litmus ${test.name} has ${test.threads.length} threads; the machine has only ${topology.nodes.length} nodes`);
    const locs = litmusLocations(test);
    const lines = placeTestedLines(topology, env.memory, locs.length, kernel.spec.cache.lineBytes);
    const monitor = new CrossWorkerMonitor(coherenceWatchOf(env.shared, spec.kind), lines, topology, kernel.seed);
    const watchdog = watchdogOptions(topology, spec.watchdogPs, env.mode === 'deterministic');
    this.#node = new CoherentNode(kernel, lines, monitor, watchdog, {}, shrunkCacheSpec(kernel.spec.cache, spec.cacheLines));
    this.#thread = litmusNodeOrder(topology).indexOf(kernel.self);
    const program = this.#thread < test.threads.length ? test.threads[this.#thread]! : [];
    if (this.#thread >= test.threads.length) this.#thread = -1;
    this.#agent = new LitmusAgent(kernel, this.#node, spec, program, new Map(locs.map((l, k) => [l, lines.addrs[k]!])));
    this.#agent.begin();
  }

  /**
   * Returns this node's report.
   * @throws DeadlockError (an InvariantViolation) listing the transactions still open and their lines' states, or InvariantViolation when its thread did not finish.
   */
  finish(): LitmusNodeReport {
    this.#node.checkIdle();
    this.#agent.checkFinished();
    return { thread: this.#thread, agent: { ...this.#agent.stats, regs: { ...this.#agent.stats.regs } }, traffic: this.#node.traffic() };
  }
}
