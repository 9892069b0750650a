/**
 * What every simulator-backed stress command shares: one simulation per
 * seed, in order, with a failing seed recorded (never thrown) together with
 * the command that replays it, and the summary printed under the table.
 */
import { performance } from 'node:perf_hooks';
import { ConfigError, toErrorData } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { availableParallelism } from 'node:os';
import { REPLAY_CHECK_JITTER, runSimulation, workersOfRun, type RunMode, type RunResult, type WorkerCount } from '@cdmsim/runtime';

/** The columns every seed report has, whatever the workload. */
export interface SeedReport {
  readonly seed: number;
  readonly ok: boolean;
  readonly simulatedPs: number;
  readonly wallMs: number;
  readonly eventLogHash: string;
  readonly replay: string;
  readonly error?: { readonly name: string; readonly message: string };
}

/** Which engine runs the seeds: the mode, and in deterministic mode the worker count or the partition of the nodes. */
export interface SeedEngine {
  readonly mode: RunMode;
  readonly workers?: WorkerCount;
  /** Deterministic mode: which nodes share a worker (`cpu0+gpu0,cpu1+gpu1`; see `SimulationOptions.partition`). */
  readonly partition?: string;
}

/** Returns just the engine fields of `o` (mode, and workers and partition when given). */
export function engineOf(o: SeedEngine): SeedEngine {
  return { mode: o.mode, ...(o.workers !== undefined ? { workers: o.workers } : {}), ...(o.partition !== undefined ? { partition: o.partition } : {}) };
}

/** Returns the replay-command flags of `engine` (`--mode M`, and `--workers N` and `--partition G` when given). */
export function engineFlags(engine: SeedEngine): string {
  return `--mode ${engine.mode}${engine.workers !== undefined ? ` --workers ${engine.workers}` : ''}${engine.partition !== undefined ? ` --partition ${engine.partition}` : ''}`;
}

/**
 * Checks, before any seed runs, that `engine` can run a machine of
 * `config`'s topology (the worker count or partition the simulation would
 * take): a bad flag is bad input, not a failing seed.
 * @throws ConfigError naming the flag (see `workersOfRun`).
 */
export function checkEngine(config: SimConfig, engine: SeedEngine): void {
  workersOfRun(engine.mode, config.topology, availableParallelism(), engine.workers, engine.partition);
}

/** A workload's reading of one finished run: whether its check passed, why not, and its own counters. */
export interface SeedOutcome<C> {
  readonly verified: boolean;
  readonly problems: readonly string[];
  readonly counters: C;
}

/**
 * Runs `config` once per seed on `engine`; returns one report per seed with
 * the workload's counters (`read` of the result, or `empty` when the run
 * threw). With `checkReplay` (deterministic mode only) a seed whose checks
 * passed runs again with random thread delays (`scheduleJitter`) and fails
 * unless its event-log hash is the same: results must not depend on thread
 * timing. Never throws for a failing seed: its report says why.
 * @throws ConfigError before any seed runs: `checkReplay` outside deterministic mode, or an engine that cannot run the machine (`checkEngine`).
 */
export async function runSeedsOnSimulator<C>(
  config: SimConfig,
  seeds: readonly number[],
  engine: SeedEngine,
  replayOf: (seed: number) => string,
  read: (result: RunResult) => SeedOutcome<C>,
  empty: C,
  checkReplay = false,
  onSeed?: (ok: boolean) => void,
): Promise<(SeedReport & C)[]> {
  if (checkReplay && engine.mode !== 'deterministic') throw new ConfigError('--check-replay needs --mode deterministic: free-mode runs are not meant to replay');
  checkEngine(config, engine);
  const reports: (SeedReport & C)[] = [];
  for (const seed of seeds) {
    const replay = replayOf(seed);
    const t0 = performance.now();
    try {
      const r = await runSimulation(config, { seed, ...engine });
      const o = read(r);
      const diverged = checkReplay && o.verified ? await replayDivergence(config, seed, engine, r.eventLogHash) : undefined;
      reports.push({
        ...o.counters,
        seed,
        ok: o.verified && diverged === undefined,
        simulatedPs: r.simTimePs,
        wallMs: r.host.wallMs,
        eventLogHash: r.eventLogHash,
        replay,
        ...(o.verified ? {} : { error: { name: 'CheckFailed', message: `${o.problems.join('; ')} (seed ${seed})` } }),
        ...(diverged === undefined ? {} : { error: { name: 'ReplayDiverged', message: diverged } }),
      });
    } catch (e) {
      const data = toErrorData(e);
      reports.push({ ...empty, seed, ok: false, simulatedPs: 0, wallMs: performance.now() - t0, eventLogHash: '', replay, error: { name: data.name, message: data.message } });
    }
    onSeed?.(reports.at(-1)!.ok);
  }
  return reports;
}

/** Reruns `seed` deterministically with thread delays; returns why it diverged from `hash`, or undefined when it replayed exactly. */
async function replayDivergence(config: SimConfig, seed: number, engine: SeedEngine, hash: string): Promise<string | undefined> {
  const again = await runSimulation(config, { seed, ...engine, scheduleJitter: { seed, ...REPLAY_CHECK_JITTER } });
  if (again.eventLogHash === hash) return undefined;
  return `a replay with random thread delays gave event-log hash ${again.eventLogHash}, the first run ${hash}: the results depend on thread timing (seed ${seed})`;
}

/** Returns the lines printed under a seeds table: how many passed in `mode` (and whether each replayed under thread delays), then each failure with its replay command. */
export function seedsSummary(reports: readonly SeedReport[], mode: RunMode, replayChecked = false): string {
  const failures = reports.filter((r) => !r.ok);
  const lines = failures.map((r) => `seed ${r.seed} failed: ${r.error?.name}: ${r.error?.message}\n  replay: ${r.replay}`);
  const replayed = replayChecked ? ', each replayed identically under random thread delays' : '';
  return `${reports.length - failures.length}/${reports.length} seeds passed every check on the simulator (${mode} mode${replayed})\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}
