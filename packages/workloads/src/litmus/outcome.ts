/**
 * The outcome of a litmus run on the simulator: every thread's registers
 * merged, each location's final value (last in coherence order, from the
 * coherence watch), and the verdict of the test's forbidden-outcome predicate.
 */
import { sumCounts, watchFinal } from '../shared/outcome-parts.js';
import { litmusLocations, litmusOutcomeKey, litmusTest } from '@cdmsim/coherence';
import type { SimConfig } from '@cdmsim/config';
import type { CoherenceWatch } from '@cdmsim/shm';
import type { LitmusNodeReport } from './role.js';
import { LITMUS, type LitmusWorkloadSpec } from './config.js';
import type { NodeShare } from '../workload.js';

/** The outcome of the litmus workload. A run that violated SWMR or data values fails instead of reporting. */
export interface LitmusRunOutcome {
  readonly kind: typeof LITMUS;
  /** True when every thread finished and the outcome is not forbidden. */
  readonly verified: boolean;
  readonly problems: readonly string[];
  /** Digest of the locations' final values. */
  readonly dataHash: string;
  readonly test: string;
  readonly regs: Readonly<Record<string, number>>;
  readonly final: Readonly<Record<string, number>>;
  /** Canonical outcome key (as `runLitmus` reports it). */
  readonly key: string;
  readonly forbidden: boolean;
  /** Node that ran each thread, in thread order. */
  readonly threadNodes: readonly string[];
  readonly messages: number;
  readonly messagesByType: Readonly<Record<string, number>>;
  readonly violations: number;
}

/** Returns the outcome of a litmus run from every node's report (node order) and the run's watch. */
export function litmusRunOutcome(config: SimConfig<LitmusWorkloadSpec>, nodes: readonly NodeShare<LitmusNodeReport>[], watch: CoherenceWatch): LitmusRunOutcome {
  const w = config.workload;
  const test = litmusTest(w.test);
  const regs: Record<string, number> = {};
  const threadNodes: string[] = [];
  for (const { name, share: l } of nodes) {
    if (!l) continue;
    Object.assign(regs, l.agent.regs);
    if (l.thread >= 0) threadNodes[l.thread] = name;
  }
  const byType = sumCounts(nodes.map(({ share: l }) => l?.traffic.sentByType ?? {}));
  const final = Object.fromEntries(litmusLocations(test).map((loc, k) => [loc, watch.lastValue(k)]));
  const key = litmusOutcomeKey(regs, final);
  const forbidden = test.forbidden(regs, final);
  const problems: string[] = [];
  const reported = threadNodes.filter((n) => n !== undefined).length;
  if (reported !== test.threads.length) problems.push(`${test.threads.length - reported} of ${test.threads.length} threads did not report`);
  if (forbidden) problems.push(`forbidden outcome of ${test.name}: ${key}`);
  const { dataHash, violations } = watchFinal(watch, problems);
  return {
    kind: LITMUS,
    verified: problems.length === 0,
    problems,
    dataHash,
    test: test.name,
    regs,
    final,
    key,
    forbidden,
    threadNodes,
    messages: Object.values(byType).reduce((a, b) => a + b, 0),
    messagesByType: byType,
    violations,
  };
}
