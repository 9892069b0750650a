/**
 * The litmus workload: one litmus test of @cdmsim/coherence on the real
 * simulator. Thread i runs on the i-th node of the CPU/GPU alternation,
 * the test's locations live in different memories, and the outcome is
 * checked against the test's forbidden outcomes.
 */
import { litmusLocations, litmusTest } from '@cdmsim/coherence';
import { coherenceWatchOf } from '../shared/shared-parts.js';
import { defineWorkload } from '../workload.js';
import { litmusConfig, type LitmusWorkloadSpec } from './config.js';
import { litmusRunOutcome, type LitmusRunOutcome } from './outcome.js';
import { LitmusRole, type LitmusNodeReport } from './role.js';

export { LITMUS, LITMUS_TEST_NAMES, type LitmusWorkloadSpec } from './config.js';
export type { LitmusRunOutcome } from './outcome.js';
export { litmusNodeOrder, type LitmusNodeReport } from './role.js';
export { LitmusSetupError, type LitmusAgentStats } from './agent.js';

/** The litmus workload, as registered. */
export const litmus = defineWorkload<LitmusWorkloadSpec, LitmusNodeReport, LitmusRunOutcome>({
  config: litmusConfig,
  sharedNeeds: (config) => ({ coherenceLines: litmusLocations(litmusTest(config.workload.test)).length }),
  createRole: (env, spec) => new LitmusRole(env, spec),
  outcome: (config, shares, shared) => litmusRunOutcome(config, shares, coherenceWatchOf(shared, config.workload.kind)),
  describe: (w) => `litmus ${w.test} on ${w.threadNodes.join(', ')}: ${w.key}; ${w.messages} coherence messages`,
  describeCheck: (w) => `passed (outcome allowed by ${w.test}; SWMR and data values checked across workers, ${w.violations} violations)`,
});
