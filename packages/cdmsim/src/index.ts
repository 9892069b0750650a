/**
 * cdmsim — the whole library from one import: build or load a machine
 * (YAML files, overrides, plain objects checked like files), run it
 * (sequential, deterministic on any number of workers, free), read its
 * results and statistics, write the same files the CLI writes, and run
 * sweeps (seeds, or parameter grids from a sweep file) on a piscina pool
 * or across machines through a BullMQ queue on Redis.
 * A script anywhere can use it after `npm install PATH-TO-REPO/packages/cdmsim`.
 *
 * @example
 * ```ts
 * import { loadConfig, runSimulation, statsText } from 'cdmsim';
 * const config = loadConfig({ set: ['workload.accessesPerDevice=1024', 'cpus[cpu0].dram.latencyNs=120'] });
 * const result = await runSimulation(config, { seed: 7, mode: 'sequential' });
 * console.log(result.simTimePs, result.workload.verified);
 * process.stdout.write(statsText(result));
 * ```
 */
import { parseOverride, type SimConfig } from '@cdmsim/config';
import { defaultConfig, loadConfigFile } from '@cdmsim/workloads';

/** Where `loadConfig` takes a machine from. */
export interface LoadConfigOptions {
  /** Machine + workload YAML file (default: the built-in machine). */
  readonly file?: string;
  /** Overrides applied before validation, as `--set` takes them: `PATH=VALUE` texts, or a map of path to value. */
  readonly set?: readonly string[] | Readonly<Record<string, unknown>>;
}

/**
 * Returns a validated machine: the file (or the built-in machine) with the
 * overrides applied, checked like a config file.
 * @throws ConfigError when the file cannot be read; ConfigValidationError naming the file's line or the override for every problem.
 * @example
 * ```ts
 * const dgx = loadConfig({ file: 'examples/dgx-h100.yaml', set: { 'workload.accessesPerDevice': 256 } });
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): SimConfig {
  const set = options.set ?? [];
  const texts = Array.isArray(set) ? (set as readonly string[]) : Object.entries(set).map(([path, value]) => `${path}=${JSON.stringify(value)}`);
  const overrides = texts.map(parseOverride);
  return options.file === undefined ? defaultConfig(overrides) : loadConfigFile(options.file, overrides);
}

// Machines and workloads.
export { defaultConfig, loadConfigFile, parseConfigYaml, resolveConfig, mmStressConfig, workloadSpec, workloadOf, WORKLOADS, configFormat } from '@cdmsim/workloads';
export { parseOverride, loadSweepFile, formatConfigIssue, ConfigValidationError, type SimConfig, type Topology, type WorkloadSpec, type ConfigIssue, type ConfigOverride, type SweepPlan } from '@cdmsim/config';
// Running.
export { Simulation, runSimulation, deterministicPart, type SimulationOptions, type Progress, type RunResult, type RunMode, type WorkerCount } from '@cdmsim/runtime';
// Interactive sessions: processes and the test device (dmirror), step by step.
export { HmmSession, SessionProcess, TestDevice, type HmmSessionOptions, type SessionCall, type Prot, type MmapOptions } from './hmm-session.js';
export { runHmmStress, formatHmmStress, hmmReplayCommand, type HmmStressOptions, type HmmStressReport } from './stress-hmm.js';
export { sessionConfig, DMIRROR_FLAVOURS, type DmirrorFlavour, type CpuResult, type DeviceResult, type SessionOutcome } from '@cdmsim/workloads';
export { DmirrorProt } from '@cdmsim/platform';
// Sweeps and statistics.
export { runSweep, resolveGrid, runGrid, metricOf, statsText, parseStats, type SweepJob, type SweepRow, type GridPoint, type GridOutcome, type GridOptions } from '@cdmsim/runtime';
// Sweeps across machines (BullMQ on Redis).
export { enqueueGrid, startQueueWorker, collectGrid, sweepId, POINTS_QUEUE, type QueueWorker, type QueueWorkerOptions, type CollectOptions } from '@cdmsim/runtime';
export type { WorkloadOutcome, SharedBufferOutcome, CoherenceRandomOutcome, LitmusRunOutcome, MmStressRunOutcome } from '@cdmsim/runtime';
// The files the CLI writes.
export { writeRunFiles } from './report-files.js';
export { writeGridFiles } from './sweep-grid-output.js';
export { htmlReport } from './html-report.js';
// Errors a script may want to tell apart.
export { CdmsimError, ConfigError, NodeFailure } from '@cdmsim/engine';
