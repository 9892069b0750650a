/**
 * @cdmsim/runtime — the library API of cdmsim. Start a simulation from a
 * config object, run it, read its result, stop it; run sweeps of many
 * simulations in parallel. The CLI is a thin layer over these functions.
 *
 * @example
 * ```ts
 * import { defaultConfig, runSimulation } from '@cdmsim/runtime';
 * const result = await runSimulation(defaultConfig(), { seed: 7, mode: 'deterministic' });
 * console.log(result.simTimePs, result.workload.verified);
 * ```
 */
export { Simulation, runSimulation, type SimulationOptions, type Progress } from './simulation.js';
export { buildRunResult, deterministicPart, RESULTS_VERSION, type RunResult, type LinkReport, type LinkDirectionReport, type HostInfo, type SchedulerFigures, type WorkerFigures } from './results.js';
export { runSweep, sweepRow, type SweepJob, type SweepRow, type SweepOptions } from './sweep.js';
export { resolveGrid, runGrid, metricOf, type GridPoint, type GridOutcome, type GridOptions } from './grid.js';
export { statsText, parseStats } from './stats.js';
export { enqueueGrid, startQueueWorker, collectGrid, sweepId, redisConnection, POINTS_QUEUE, MAX_STALLED_RETRIES, type PointJobData, type QueueWorker, type QueueWorkerOptions, type CollectOptions } from './queue.js';
export { loadSweepFile, type SweepPlan } from '@cdmsim/config';
export type { NodeReport, NodeEngineReport } from './node-model.js';
export type { WorkerReport, WorkerEngineReport } from './worker-runner.js';
export { partitionNodes, parsePartition, workersOfRun, workerCountFor, nodesOfWorkers, type WorkerCount } from './partition.js';
export { chooseWorkerScript, workerScript, WORKER_BUNDLE, type WorkerScript } from './worker-script.js';
export type { CodeCacheUse } from './worker-bundle-files.js';
export type { WorkloadOutcome, SharedBufferOutcome, CoherenceRandomOutcome, CoherenceNodeOutcome, LitmusRunOutcome, MmStressRunOutcome } from '@cdmsim/workloads';
export { configFormat, defaultConfig, loadConfigFile, parseConfigYaml, resolveConfig, mmStressConfig, workloadOf, WORKLOADS } from '@cdmsim/workloads';
export { REPLAY_CHECK_JITTER, type RunMode, type ScheduleJitter } from '@cdmsim/kernel';
