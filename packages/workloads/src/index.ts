/**
 * @cdmsim/workloads — the experiments cdmsim runs, one folder per workload
 * (shared-buffer, coherence-random, litmus, mm-stress, session), each registered
 * once in `registry.ts`; the config format built from them; the built-in
 * experiments.
 */
export { defineWorkload, type Workload, type WorkloadParts, type WorkloadRole, type NodeShare, type WorkloadOutcomeBase, type AnyWorkload } from './workload.js';
export { WORKLOADS, configFormat, workloadOf, workloadOfOutcome, type WorkloadOutcome } from './registry.js';
export { DEFAULT_CONFIG_YAML, defaultConfig, mmStressConfig, sessionConfig, loadConfigFile, parseConfigYaml, resolveConfig, workloadSpec } from './builtin.js';
export * from './shared-buffer/index.js';
export * from './coherence-random/index.js';
export * from './litmus/index.js';
export * from './mm-stress/index.js';
export * from './session/index.js';
export { sumCounts, watchFinal } from './shared/outcome-parts.js';
export { MAX_COHERENCE_NODES, MAX_COHERENCE_CACHE_LINES } from './shared/coherence-config.js';
