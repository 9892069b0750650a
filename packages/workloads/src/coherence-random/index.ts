/**
 * The coherence-random workload: the MOESI random tester on the real
 * simulator. Every node's cache issues random loads and stores of distinct
 * values on a few shared lines homed in different memories; the cross-worker
 * monitor checks single-writer / multiple-reader and data values.
 */
import { coherenceWatchOf } from '../shared/shared-parts.js';
import { defineWorkload } from '../workload.js';
import { coherenceRandomConfig, type CoherenceRandomWorkloadSpec } from './config.js';
import { coherenceRandomOutcome, type CoherenceRandomOutcome } from './outcome.js';
import { CoherenceRandomRole, type CoherenceNodeReport } from './role.js';

export { COHERENCE_RANDOM, MAX_COHERENCE_LINES, MAX_COHERENCE_OPS_PER_NODE, type CoherenceRandomWorkloadSpec } from './config.js';
export type { CoherenceRandomOutcome, CoherenceNodeOutcome } from './outcome.js';
export type { CoherenceNodeReport } from './role.js';
export type { CoherenceAgentStats } from './agent.js';

/** The coherence-random workload, as registered. */
export const coherenceRandom = defineWorkload<CoherenceRandomWorkloadSpec, CoherenceNodeReport, CoherenceRandomOutcome>({
  config: coherenceRandomConfig,
  sharedNeeds: (config) => ({ coherenceLines: config.workload.lines }),
  createRole: (env, spec) => new CoherenceRandomRole(env, spec),
  outcome: (config, shares, shared) => coherenceRandomOutcome(config, shares, coherenceWatchOf(shared, config.workload.kind)),
  describe(w) {
    const types = Object.entries(w.messagesByType).map(([t, n]) => `${t} ${n}`).join(', ');
    return `coherence-random on ${w.lines} lines: ${w.loads} loads + ${w.stores} stores by ${w.perNode.length} nodes (${w.refused} refused), ${w.flushes} recalls; ${w.messages} coherence messages (${types})`;
  },
  describeCheck: (w) => `passed (SWMR and data values checked across workers, ${w.violations} violations)`,
});
