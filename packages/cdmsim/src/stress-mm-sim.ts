/**
 * `cdmsim stress mm --mode deterministic|free`: the mm stress on the real
 * simulator — processes on every CPU-node worker and device drivers on the
 * device workers, page state in shared memory, driver calls as bus
 * messages — one simulation per seed. Each CPU node checks data and
 * invariants after every operation; at the end every device page must be
 * idle and every memcg at zero. A failure prints the seed and the command
 * that replays it.
 */
import Table from 'cli-table3';
import { CdmsimError, ConfigError, formatPs } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { mmStress, mmStressConfig, type MmStressWorkloadSpec } from '@cdmsim/workloads';
import type { RunMode } from '@cdmsim/runtime';
import { engineFlags, engineOf, runSeedsOnSimulator, seedsSummary, type SeedEngine, type SeedReport } from './simulator-seeds.js';

/** Options of a simulator-backed mm stress. */
export interface SimulatorMmStressOptions extends SeedEngine {
  readonly seeds: readonly number[];
  /** The machine (default: the built-in mm-stress machine); its workload must be mm-stress. */
  readonly config?: SimConfig;
  /** The `--config` file, for replay commands (undefined = built-in machine). */
  readonly configFile?: string;
  /** Operations per CPU node (overrides the workload's `opsPerCpu`). */
  readonly ops?: number;
  /** Rerun each passing seed with random thread delays; it fails unless the event-log hash is the same (deterministic mode). */
  readonly checkReplay?: boolean;
  /** Called after each seed with whether it passed (progress bars). */
  readonly onSeed?: (ok: boolean) => void;
}

/** What one seed did on the simulator. */
export interface SimulatorMmReport extends SeedReport {
  readonly operations: number;
  readonly toDevice: number;
  readonly toRam: number;
  readonly deviceFaults: number;
  readonly evicted: number;
  /** With caches: cache misses and cached lines recalled before a DMA or a frame's reuse. */
  readonly misses: number;
  readonly linesRecalled: number;
  readonly checks: number;
}

/** Returns the machine with its mm-stress workload's `opsPerCpu` set to `ops` (when given). */
export function mmStressSimConfig(o: SimulatorMmStressOptions): SimConfig<MmStressWorkloadSpec> {
  const config = o.config ?? mmStressConfig();
  if (!mmStress.runs(config)) throw new ConfigError(`${config.source}: workload.kind is ${config.workload.kind}; stress mm --mode needs an ${mmStress.kind} workload (see examples/mm-stress.yaml)`);
  return o.ops === undefined ? config : { ...config, workload: { ...config.workload, opsPerCpu: o.ops } };
}

/** Returns the command that replays one seed. */
export function mmReplayCommand(o: SimulatorMmStressOptions, seed: number, ops: number): string {
  const config = o.configFile === undefined ? '' : ` --config ${o.configFile}`;
  return `npx cdmsim stress mm --seed ${seed} ${engineFlags(o)}${config} --ops ${ops}${o.checkReplay ? ' --check-replay' : ''}`;
}

/** Runs one simulation per seed, in order; never throws for a failing seed (its report says why). */
export async function runSimulatorMmStress(o: SimulatorMmStressOptions): Promise<SimulatorMmReport[]> {
  const config = mmStressSimConfig(o);
  const ops = config.workload.opsPerCpu;
  return runSeedsOnSimulator(
    config,
    o.seeds,
    engineOf(o),
    (seed) => mmReplayCommand(o, seed, ops),
    (r) => {
      const w = r.workload;
      if (!mmStress.owns(w)) throw new CdmsimError(`expected an ${mmStress.kind} outcome, got ${w.kind}`);
      const counters = {
        operations: Object.entries(w.operations).reduce((s, [k, n]) => s + (k === 'noop' ? 0 : n), 0) + w.cachedReads,
        toDevice: w.pagesToPublic + w.pagesToPrivate,
        toRam: w.pagesToRam,
        deviceFaults: w.deviceFaults,
        evicted: w.evictedPages,
        misses: w.coherence?.misses ?? 0,
        linesRecalled: w.coherence?.linesRecalled ?? 0,
        checks: w.checks,
      };
      return { verified: w.verified, problems: w.problems, counters };
    },
    { operations: 0, toDevice: 0, toRam: 0, deviceFaults: 0, evicted: 0, misses: 0, linesRecalled: 0, checks: 0 },
    o.checkReplay === true,
    o.onSeed,
  );
}

/** Returns the text printed for the reports: a table, a summary line, then each failure with its replay command. */
export function formatSimulatorMmStress(reports: readonly SimulatorMmReport[], mode: RunMode, replayChecked = false): string {
  const t = new Table({ head: ['seed', 'operations', 'pages to device', 'pages to RAM', 'device-private faults', 'evicted', 'cache misses / lines recalled', 'checks', 'simulated time', 'wall', 'event-log hash', 'result'] });
  for (const r of reports) {
    t.push([r.seed, r.operations, r.toDevice, r.toRam, r.deviceFaults, r.evicted, `${r.misses} / ${r.linesRecalled}`, r.checks, formatPs(r.simulatedPs), `${(r.wallMs / 1000).toFixed(2)} s`, r.eventLogHash, r.ok ? 'ok' : 'FAILED']);
  }
  return `${t.toString()}\n${seedsSummary(reports, mode, replayChecked)}`;
}
