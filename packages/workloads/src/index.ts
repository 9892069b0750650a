/**
 * @cdmsim/workloads — the experiments cdmsim runs, one folder per workload.
 */
export * from './shared/outcome-parts.js';
export * from './shared/tested-lines.js';
export * from './shared-buffer/plan.js';
export * from './shared-buffer/patterns.js';
export * from './shared-buffer/process-role.js';
export * from './shared-buffer/device-role.js';
export * from './coherence-random/agent.js';
export * from './coherence-random/role.js';
export * from './coherence-random/outcome.js';
export * from './litmus/agent.js';
export * from './litmus/role.js';
export * from './litmus/outcome.js';
export * from './mm-stress/stress-data.js';
export * from './mm-stress/cpu-role.js';
export * from './mm-stress/outcome.js';
export * from './mm-stress/machine.js';
import type { SharedBufferOutcome } from './shared-buffer/process-role.js';
import type { CoherenceRandomOutcome } from './coherence-random/outcome.js';
import type { LitmusRunOutcome } from './litmus/outcome.js';
import type { MmStressRunOutcome } from './mm-stress/outcome.js';
/** The workload outcome of a run; discriminate on `kind`. */
export type WorkloadOutcome = SharedBufferOutcome | CoherenceRandomOutcome | LitmusRunOutcome | MmStressRunOutcome;
