/**
 * `cdmsim stress coherence --mode deterministic|free`: the coherence random
 * tester on the real simulator — one worker per node, protobuf messages over
 * the bus, SWMR and data values checked across workers — one simulation per
 * seed. A failure prints the seed and the command that replays it.
 */
import Table from 'cli-table3';
import { CdmsimError, formatPs } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { coherenceRandom, workloadSpec, type CoherenceRandomWorkloadSpec } from '@cdmsim/workloads';
import type { RunMode } from '@cdmsim/runtime';
import { engineFlags, engineOf, runSeedsOnSimulator, seedsSummary, type SeedEngine, type SeedReport } from './simulator-seeds.js';

/** Options of a simulator-backed coherence stress. */
export interface SimulatorCoherenceStressOptions extends SeedEngine {
  readonly seeds: readonly number[];
  /** The machine; its workload is used when it is a coherence random tester, else replaced by one with `lines` and `ops`. */
  readonly config: SimConfig;
  /** The `--config` file, for replay commands (undefined = built-in machine). */
  readonly configFile?: string;
  /** Total operations, split evenly over the nodes (when the machine's workload is not the coherence random tester). */
  readonly ops: number;
  readonly lines: number;
  /** Shrink every node's cache to this many lines (`cacheLines` of the workload); undefined = keep the workload's setting. */
  readonly cacheLines?: number;
  /** Watchdog threshold in simulated ps (`watchdogPs` of the workload); undefined = keep the workload's setting. */
  readonly watchdogPs?: number;
  /** Rerun each passing seed with random thread delays; it fails unless the event-log hash is the same (deterministic mode). */
  readonly checkReplay?: boolean;
  /** Called after each seed with whether it passed (progress bars). */
  readonly onSeed?: (ok: boolean) => void;
}

/** What one seed did on the simulator. */
export interface SimulatorCoherenceReport extends SeedReport {
  readonly loads: number;
  readonly stores: number;
  readonly refused: number;
  readonly flushes: number;
  readonly messages: number;
}

/**
 * Returns `config` with a coherence-random workload (kept when it already has
 * one), its cache shrunk to `cacheLines` and its watchdog threshold set to
 * `watchdogPs` when given.
 */
export function coherenceStressConfig(config: SimConfig, ops: number, lines: number, cacheLines?: number, watchdogPs?: number): SimConfig<CoherenceRandomWorkloadSpec> {
  const workload = coherenceRandom.runs(config) ? config.workload : workloadSpec(coherenceRandom, { lines, opsPerNode: Math.max(1, Math.ceil(ops / config.topology.nodes.length)) });
  return { ...config, workload: { ...workload, ...(cacheLines === undefined ? {} : { cacheLines }), ...(watchdogPs === undefined ? {} : { watchdogPs }) } };
}

/** Returns the command that replays one seed. */
export function simulatorReplayCommand(o: SimulatorCoherenceStressOptions, seed: number): string {
  const config = o.configFile === undefined ? '' : ` --config ${o.configFile}`;
  const cache = o.cacheLines === undefined ? '' : ` --cache-lines ${o.cacheLines}`;
  const watchdog = o.watchdogPs === undefined ? '' : ` --watchdog-ps ${o.watchdogPs}`;
  return `npx cdmsim stress coherence --seed ${seed} ${engineFlags(o)}${config} --ops ${o.ops} --lines ${o.lines}${cache}${watchdog}${o.checkReplay ? ' --check-replay' : ''}`;
}

/** Runs one simulation per seed, in order; never throws for a failing seed (its report says why). */
export async function runSimulatorCoherenceStress(o: SimulatorCoherenceStressOptions): Promise<SimulatorCoherenceReport[]> {
  const config = coherenceStressConfig(o.config, o.ops, o.lines, o.cacheLines, o.watchdogPs);
  return runSeedsOnSimulator(
    config,
    o.seeds,
    engineOf(o),
    (seed) => simulatorReplayCommand(o, seed),
    (r) => {
      const w = r.workload;
      if (!coherenceRandom.owns(w)) throw new CdmsimError(`expected a ${coherenceRandom.kind} outcome, got ${w.kind}`);
      return { verified: w.verified, problems: w.problems, counters: { loads: w.loads, stores: w.stores, refused: w.refused, flushes: w.flushes, messages: w.messages } };
    },
    { loads: 0, stores: 0, refused: 0, flushes: 0, messages: 0 },
    o.checkReplay === true,
    o.onSeed,
  );
}

/** Returns the text printed for the reports: a table, a summary line, then each failure with its replay command. */
export function formatSimulatorCoherenceStress(reports: readonly SimulatorCoherenceReport[], mode: RunMode, replayChecked = false): string {
  const t = new Table({ head: ['seed', 'loads', 'stores', 'refused', 'recalls', 'coherence messages', 'simulated time', 'wall', 'messages/s', 'event-log hash', 'result'] });
  for (const r of reports) {
    const rate = r.wallMs > 0 ? Math.round(r.messages / (r.wallMs / 1000)).toLocaleString('en-US') : '-';
    t.push([r.seed, r.loads, r.stores, r.refused, r.flushes, r.messages, formatPs(r.simulatedPs), `${(r.wallMs / 1000).toFixed(2)} s`, rate, r.eventLogHash, r.ok ? 'ok' : 'FAILED']);
  }
  return `${t.toString()}\n${seedsSummary(reports, mode, replayChecked)}`;
}
