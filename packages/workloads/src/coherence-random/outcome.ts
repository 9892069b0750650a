/**
 * The outcome of a coherence-random run: every node's counters and traffic
 * combined, and the final state of the run's coherence watch.
 */
import type { Ps } from '@cdmsim/engine';
import { sumCounts, watchFinal } from '../shared/outcome-parts.js';
import type { SimConfig } from '@cdmsim/config';
import type { CoherenceWatch } from '@cdmsim/shm';
import type { CoherenceNodeReport } from './role.js';
import { COHERENCE_RANDOM, type CoherenceRandomWorkloadSpec } from './config.js';
import type { NodeShare } from '../workload.js';

/** One node's share of a coherence-random run. */
export interface CoherenceNodeOutcome {
  readonly node: string;
  readonly loads: number;
  readonly stores: number;
  readonly refused: number;
  readonly flushes: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly finishedPs: Ps;
}

/** The outcome of the coherence-random workload. A run that violated an invariant fails instead of reporting. */
export interface CoherenceRandomOutcome {
  readonly kind: typeof COHERENCE_RANDOM;
  readonly verified: boolean;
  readonly problems: readonly string[];
  /** Digest of every tested line's last stored value. */
  readonly dataHash: string;
  readonly lines: number;
  readonly opsPerNode: number;
  readonly loads: number;
  readonly stores: number;
  readonly refused: number;
  readonly flushes: number;
  /** Coherence messages sent (each is one envelope, or a same-node hand-over). */
  readonly messages: number;
  readonly payloadBytes: number;
  readonly messagesByType: Readonly<Record<string, number>>;
  /** Invariant violations the cross-worker monitor recorded (0 in a run that completes). */
  readonly violations: number;
  readonly perNode: readonly CoherenceNodeOutcome[];
}

/** Returns the outcome of a coherence-random run from every node's report (node order) and the run's watch. */
export function coherenceRandomOutcome(config: SimConfig<CoherenceRandomWorkloadSpec>, nodes: readonly NodeShare<CoherenceNodeReport>[], watch: CoherenceWatch): CoherenceRandomOutcome {
  const opsPerNode = config.workload.opsPerNode;
  const perNode = nodes.map(({ name, share: c }): CoherenceNodeOutcome => ({
    node: name,
    loads: c?.agent.loads ?? 0,
    stores: c?.agent.stores ?? 0,
    refused: c?.agent.refused ?? 0,
    flushes: c?.agent.flushes ?? 0,
    messagesSent: c?.traffic.messagesSent ?? 0,
    messagesReceived: c?.traffic.messagesReceived ?? 0,
    finishedPs: c?.agent.finishedPs ?? 0,
  }));
  const sum = (f: (n: CoherenceNodeOutcome) => number): number => perNode.reduce((s, n) => s + f(n), 0);
  const problems = perNode.filter((n) => n.loads + n.stores + n.refused !== opsPerNode).map((n) => `${n.node} completed ${n.loads + n.stores + n.refused} of ${opsPerNode} operations`);
  const { dataHash, violations } = watchFinal(watch, problems);
  return {
    kind: COHERENCE_RANDOM,
    verified: problems.length === 0,
    problems,
    dataHash,
    lines: watch.lines,
    opsPerNode,
    loads: sum((n) => n.loads),
    stores: sum((n) => n.stores),
    refused: sum((n) => n.refused),
    flushes: sum((n) => n.flushes),
    messages: sum((n) => n.messagesSent),
    payloadBytes: nodes.reduce((s, { share: c }) => s + (c?.traffic.payloadBytesSent ?? 0), 0),
    messagesByType: sumCounts(nodes.map(({ share: c }) => c?.traffic.sentByType ?? {})),
    violations,
    perNode,
  };
}
