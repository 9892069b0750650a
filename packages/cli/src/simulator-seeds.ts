/**
 * What every simulator-backed stress command shares: one simulation per
 * seed, in order, with a failing seed recorded (never thrown) together with
 * the command that replays it, and the summary printed under the table.
 */
import { performance } from 'node:perf_hooks';
import { toErrorData } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { runSimulation, type RunMode, type RunResult } from '@cdmsim/runtime';

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

/** A workload's reading of one finished run: whether its check passed, why not, and its own counters. */
export interface SeedOutcome<C> {
  readonly verified: boolean;
  readonly problems: readonly string[];
  readonly counters: C;
}

/**
 * Runs `config` once per seed in `mode`; returns one report per seed with
 * the workload's counters (`read` of the result, or `empty` when the run
 * threw). Never throws for a failing seed: its report says why.
 */
export async function runSeedsOnSimulator<C>(
  config: SimConfig,
  seeds: readonly number[],
  mode: RunMode,
  replayOf: (seed: number) => string,
  read: (result: RunResult) => SeedOutcome<C>,
  empty: C,
): Promise<(SeedReport & C)[]> {
  const reports: (SeedReport & C)[] = [];
  for (const seed of seeds) {
    const replay = replayOf(seed);
    const t0 = performance.now();
    try {
      const r = await runSimulation(config, { seed, mode });
      const o = read(r);
      reports.push({
        ...o.counters,
        seed,
        ok: o.verified,
        simulatedPs: r.simTimePs,
        wallMs: r.host.wallMs,
        eventLogHash: r.eventLogHash,
        replay,
        ...(o.verified ? {} : { error: { name: 'CheckFailed', message: `${o.problems.join('; ')} (seed ${seed})` } }),
      });
    } catch (e) {
      const data = toErrorData(e);
      reports.push({ ...empty, seed, ok: false, simulatedPs: 0, wallMs: performance.now() - t0, eventLogHash: '', replay, error: { name: data.name, message: data.message } });
    }
  }
  return reports;
}

/** Returns the lines printed under a seeds table: how many passed in `mode`, then each failure with its replay command. */
export function seedsSummary(reports: readonly SeedReport[], mode: RunMode): string {
  const failures = reports.filter((r) => !r.ok);
  const lines = failures.map((r) => `seed ${r.seed} failed: ${r.error?.name}: ${r.error?.message}\n  replay: ${r.replay}`);
  return `${reports.length - failures.length}/${reports.length} seeds passed every check on the simulator (${mode} mode)\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}
