/**
 * What a CPU node of the mm-stress workload runs — the operation table and
 * the think time between two operations — and, TEST ONLY, how each
 * `testOnlySabotage` transforms it. A sabotage is a changed plan, never a
 * branch in the role: the rule breaks come from @cdmsim/mm/testing (shared
 * with the in-process stress), applied halfway through on the first CPU
 * node; the racy read replaces the think time.
 */
import type { Ps } from '@cdmsim/engine';
import type { MmStressSabotageName } from './config.js';
import { ROOT_MEMCG } from '@cdmsim/mm';
import { MM_STRESS_TABLE, withRuleBreak, type MmRuleBreakName, type MmStressHost, type MmStressTable } from '@cdmsim/mm/testing';

/** The operations of a CPU node and the pauses between them. */
export interface MmStressCpuPlan {
  readonly table: MmStressTable;
  /** Returns the simulated time between an operation's checks and the next operation (drawn from `h.rng`, at most `maxThinkPs` in the real plan). */
  readonly thinkPs: (h: MmStressHost, maxThinkPs: Ps) => Ps;
}

/** Where a plan runs: what a sabotage needs to decide where and when it applies. */
export interface MmStressCpuPlace {
  /** This is the topology's first CPU node. */
  readonly firstCpu: boolean;
  readonly opsPerCpu: number;
}

/** The plan of every CPU node without a sabotage. */
export const MM_STRESS_CPU_PLAN: MmStressCpuPlan = {
  table: MM_STRESS_TABLE,
  thinkPs: (h, maxThinkPs) => h.rng.int(0, maxThinkPs),
};

/** A rule break applied once, after the first operation at least halfway through the run, on the first CPU node only. */
function halfwayOnFirstCpu(kind: MmRuleBreakName): (plan: MmStressCpuPlan, place: MmStressCpuPlace) => MmStressCpuPlan {
  return (plan, place) => (place.firstCpu ? { ...plan, table: withRuleBreak(plan.table, kind, Math.ceil(place.opsPerCpu / 2)) } : plan);
}

/** Simulated picoseconds the racy think time adds per unit of (root memcg usage mod 7). */
const RACY_THINK_STEP_PS = 1000;

/** TEST ONLY: each sabotage as a transform of a CPU node's plan. */
const CPU_PLAN_SABOTAGES: Readonly<Record<MmStressSabotageName, (plan: MmStressCpuPlan, place: MmStressCpuPlace) => MmStressCpuPlan>> = {
  'skip-put-page': halfwayOnFirstCpu('skip-put-page'),
  'corrupt-rss': halfwayOnFirstCpu('corrupt-rss'),
  // The think time also reads state the other CPU node writes in the same round, so it depends on thread timing.
  'racy-shared-read': (plan) => ({ ...plan, thinkPs: (h, maxThinkPs) => plan.thinkPs(h, maxThinkPs) + (h.core.memcgs.get(ROOT_MEMCG).usagePages % 7) * RACY_THINK_STEP_PS }),
  // Page-coherence sabotages transform the node's page-coherence hooks instead (page-coherence-sabotages.ts); the operations are unchanged.
  'skip-dma-flush': (plan) => plan,
  'skip-free-invalidate': (plan) => plan,
};

/**
 * Returns the plan of a CPU node at `place` under `sabotage` (undefined:
 * the real plan). A sabotaged table remembers its one-shot break: build one
 * plan per role.
 */
export function mmStressCpuPlan(sabotage: MmStressSabotageName | undefined, place: MmStressCpuPlace): MmStressCpuPlan {
  return sabotage === undefined ? MM_STRESS_CPU_PLAN : CPU_PLAN_SABOTAGES[sabotage](MM_STRESS_CPU_PLAN, place);
}
