/**
 * Parameter-grid sweeps (`cdmsim sweep FILE`): every point of a sweep file
 * (@cdmsim/config `loadSweepFile`) becomes a validated config, runs as one
 * whole simulation on a piscina pool, and comes back with its full result
 * or its error; a failing point never stops the others.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { ConfigValidationError, sweepPoints, type SimConfig, type SweepPlan, type SweepPointSpec } from '@cdmsim/config';
import { defaultConfig, loadConfigFile } from '@cdmsim/workloads';
import type { RunMode } from '@cdmsim/kernel';
import type { RunResult } from './results.js';
import type { WorkerCount } from './partition.js';

/** A point ready to run: its spec, its config and how to replay it alone. */
export interface GridPoint extends SweepPointSpec {
  readonly config: SimConfig;
  readonly mode: RunMode;
  readonly workers?: WorkerCount;
  /** `machine=NAME path=value … seed=N`, for people. */
  readonly label: string;
  /** The `cdmsim run` command that reruns this point alone. */
  readonly replay: string;
}

/** What one point gave: its result, or why it failed. */
export interface GridOutcome {
  readonly point: GridPoint;
  readonly result?: RunResult;
  readonly error?: string;
}

/** Options of `runGrid`. */
export interface GridOptions {
  /** Simulations at once (default: half the CPUs, at least 1). */
  readonly maxThreads?: number;
  /** Called as each point ends (in completion order), for progress bars. */
  readonly onPoint?: (outcome: GridOutcome, done: number, total: number) => void;
}

/** Quotes `s` for a POSIX shell when it needs it. */
function shellQuote(s: string): string {
  return /^[\w./=:@,+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

/**
 * Returns every point of `plan` with its config resolved (the machine file
 * with the point's overrides, validated like a file; points that differ
 * only in the seed share one config object).
 * @throws ConfigValidationError naming the point's overrides when a point's config is invalid (nothing has run).
 * @example
 * ```ts
 * const points = resolveGrid(loadSweepFile('grid.yaml'));
 * console.log(points.map((p) => p.label));
 * ```
 */
export function resolveGrid(plan: SweepPlan): GridPoint[] {
  const configs = new Map<string, SimConfig>();
  return sweepPoints(plan).map((spec) => {
    const key = JSON.stringify([spec.machine, spec.values]);
    let config = configs.get(key);
    if (!config) {
      try {
        config = spec.machine === undefined ? defaultConfig(spec.overrides) : loadConfigFile(spec.machine, spec.overrides);
      } catch (e) {
        if (!(e instanceof ConfigValidationError)) throw e;
        const point = [spec.machine ?? 'built-in machine', ...spec.values.map((v) => `${v.path}=${JSON.stringify(v.value)}`)].join(' ');
        throw new ConfigValidationError(e.issues.map((i) => ({ ...i, file: `${plan.source}: point ${spec.index} (${point}): ${i.file}` })));
      }
      configs.set(key, config);
    }
    const engine = ['--seed', String(spec.seed), '--mode', plan.mode, ...(plan.workers !== undefined ? ['--workers', String(plan.workers)] : [])];
    const replay = ['npx', 'cdmsim', 'run', ...(spec.machine !== undefined ? ['--config', spec.machine] : []), ...spec.overrides.flatMap((o) => ['--set', o.text]), ...engine];
    return {
      ...spec,
      config,
      mode: plan.mode,
      ...(plan.workers !== undefined ? { workers: plan.workers } : {}),
      label: [`machine=${config.topology.name}`, ...spec.values.map((v) => `${v.path}=${JSON.stringify(v.value)}`), `seed=${spec.seed}`].join(' '),
      replay: replay.map(shellQuote).join(' '),
    };
  });
}

/**
 * Runs every point on a piscina pool (each pool thread runs one whole
 * simulation at a time, with its own node workers). Returns the outcomes
 * in point order; a point that fails has `error` (its message names the
 * node) and the others still run.
 * @example
 * ```ts
 * const outcomes = await runGrid(resolveGrid(loadSweepFile('grid.yaml')), { maxThreads: 2 });
 * for (const o of outcomes) console.log(o.point.label, o.result ? metricOf(o.result, 'simTimePs') : o.error);
 * ```
 */
export async function runGrid(points: readonly GridPoint[], options: GridOptions = {}): Promise<GridOutcome[]> {
  const threads = options.maxThreads ?? Math.max(1, Math.floor(availableParallelism() / 2));
  const pool = new Piscina<{ config: SimConfig; seed: number; mode: RunMode; workers?: WorkerCount }, RunResult>({
    filename: new URL('./grid-task.js', import.meta.url).href,
    minThreads: 1,
    maxThreads: Math.max(1, Math.min(threads, points.length)),
  });
  let done = 0;
  try {
    return await Promise.all(
      points.map(async (point): Promise<GridOutcome> => {
        let outcome: GridOutcome;
        try {
          const result = await pool.run({ config: point.config, seed: point.seed, mode: point.mode, ...(point.workers !== undefined ? { workers: point.workers } : {}) });
          outcome = { point, result };
        } catch (e) {
          outcome = { point, error: e instanceof Error ? e.message : String(e) };
        }
        options.onPoint?.(outcome, ++done, points.length);
        return outcome;
      }),
    );
  } finally {
    await pool.destroy();
  }
}

/** Returns `result`'s value at a dotted path (`workload.bytesMoved`, `totals.events`), or undefined. */
export function metricOf(result: RunResult, path: string): number | undefined {
  let v: unknown = result;
  for (const key of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  return typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : undefined;
}
