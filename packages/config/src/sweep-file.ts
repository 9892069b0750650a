/**
 * The sweep file of `cdmsim sweep FILE`: a base machine (or a list of
 * machine files, an axis of their own), fixed overrides, axes (a config
 * field path with a list or a range of values) and seeds. Its points are
 * the cross product: machines × every axis × seeds, in that order (the last
 * axis varies fastest, seeds fastest of all). Each point's config is the
 * machine file with the fixed overrides and the point's axis values applied
 * as `--set` overrides, so it is validated like a file.
 *
 * ```yaml
 * machines: [../examples/default.yaml, ../examples/dgx-h100.yaml]   # or `config: FILE`; default the built-in machine
 * set: { workload.bufferSize: 64KiB }                               # every point
 * axes:
 *   workload.accessesPerDevice: [64, 128]
 *   cpus[cpu0].dram.latencyNs: { from: 60, to: 120, step: 30 }
 * seeds: 1..3                                                        # or [1, 5, 9]; default 1
 * mode: deterministic                                                # sequential | deterministic | free
 * workers: auto                                                      # deterministic mode: N or auto
 * metric: simTimePs                                                  # the figure the report charts
 * ```
 */
import { dirname, resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { ConfigValidationError, type ConfigIssue } from './issues.js';
import { readConfigText } from './load.js';
import { parseOverride, type ConfigOverride } from './overrides.js';
import { toConfigIssues } from './resolve.js';
import { parseWithIssues } from './schema-issues.js';
import { parseYamlWithPositions } from './yaml-positions.js';

/** Largest number of points a sweep file may expand to. */
export const MAX_SWEEP_POINTS = 100_000;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const range = z
  .strictObject({
    from: z.number().describe('First value.'),
    to: z.number().describe('Last value (included when the steps reach it).'),
    step: z.number().positive().describe('Increment (> 0).'),
  })
  .refine((r) => r.to >= r.from, { message: 'to must not be below from' });
const seedList = z.union([
  z.array(z.number().int().nonnegative()).min(1),
  z
    .string()
    .regex(/^\d+(\.\.\d+)?$/, { message: 'expected N, A..B or a list of seeds' })
    .refine((s) => !s.includes('..') || Number(s.split('..')[1]) >= Number(s.split('..')[0]), { message: 'the range ends before it starts' }),
  z.number().int().nonnegative(),
]);

/** The zod schema of a sweep file. */
export const sweepFileSchema = z
  .strictObject({
    config: z.string().optional().describe('Base machine + workload YAML file, relative to the sweep file (default: the built-in machine).'),
    machines: z.array(z.string()).min(1).optional().describe('Machine files to sweep over (an axis), relative to the sweep file; instead of config.'),
    set: z.record(z.string(), z.unknown()).default({}).describe('Overrides applied to every point: field path → value.'),
    axes: z
      .record(z.string(), z.union([z.array(scalar).min(1), range]))
      .default({})
      .describe('Field path → the values it takes: a list, or { from, to, step }.'),
    seeds: seedList.default(1).describe('Seeds of every point: N, A..B or a list.'),
    mode: z.enum(['sequential', 'deterministic', 'free']).default('deterministic'),
    workers: z.union([z.number().int().positive(), z.literal('auto')]).optional().describe('Deterministic mode: worker threads per simulation.'),
    metric: z.string().default('simTimePs').describe('results.json field (dotted path) the report charts against each axis.'),
  })
  .refine((f) => !(f.config !== undefined && f.machines !== undefined), { message: 'give either config or machines, not both', path: ['machines'] });

/** One axis of a sweep: a field path and its values. */
export interface SweepAxis {
  /** The field path as written (`cpus[cpu0].dram.latencyNs`). */
  readonly path: string;
  readonly values: readonly unknown[];
}

/** A parsed sweep file (paths of machine files resolved against the file's folder). */
export interface SweepPlan {
  /** Where it came from (messages). */
  readonly source: string;
  /** Machine files, each an axis value; `[undefined]` = the built-in machine. */
  readonly machines: readonly (string | undefined)[];
  /** Overrides of every point. */
  readonly fixed: readonly ConfigOverride[];
  readonly axes: readonly SweepAxis[];
  readonly seeds: readonly number[];
  readonly mode: 'sequential' | 'deterministic' | 'free';
  readonly workers?: number | 'auto';
  readonly metric: string;
}

/** One point of a sweep: which machine, which value of each axis, which seed. */
export interface SweepPointSpec {
  /** 0-based position in the sweep's order. */
  readonly index: number;
  readonly machine: string | undefined;
  /** Axis path → value, in axis order. */
  readonly values: readonly { readonly path: string; readonly value: unknown }[];
  readonly seed: number;
  /** The overrides that make this point's config: the fixed ones, then the axis values. */
  readonly overrides: readonly ConfigOverride[];
}

/** Returns `v` as the VALUE text of an override (JSON is YAML flow: `"16MiB"`, `120`, `["a","b"]`). */
function flowText(v: unknown): string {
  return JSON.stringify(v);
}

/** Returns the values a range takes. */
function rangeValues(r: { from: number; to: number; step: number }): number[] {
  const out: number[] = [];
  // Counting steps (not adding) keeps 0.1-steps free of accumulated error.
  for (let i = 0; ; i++) {
    const v = Number((r.from + i * r.step).toPrecision(12));
    if (v > r.to + r.step * 1e-9) break;
    out.push(v);
  }
  return out;
}

/** Returns the seeds of a `seeds` field. */
function seedsOf(s: number | string | number[]): number[] {
  if (typeof s === 'number') return [s];
  if (Array.isArray(s)) return s;
  const [a, b] = s.split('..').map(Number) as [number, number | undefined];
  return Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i);
}

/**
 * Reads and checks the sweep file at `path`. Returns its plan.
 * @example
 * ```ts
 * const plan = loadSweepFile('grid.yaml');
 * console.log(plan.axes.map((a) => `${a.path}: ${a.values.join(', ')}`), plan.seeds);
 * ```
 * @throws ConfigError when it cannot be read; ConfigValidationError listing every problem as `FILE:LINE:COL: FIELD: message` (bad override paths too).
 */
export function loadSweepFile(path: string): SweepPlan {
  const text = readConfigText(path);
  const parsed = parseYamlWithPositions(text);
  if (!parsed.ok) {
    throw new ConfigValidationError(parsed.errors.map((e) => ({ file: path, ...e.position, path: '(yaml syntax)', message: e.message })));
  }
  const checked = parseWithIssues(sweepFileSchema, parsed.value ?? {});
  if (!checked.ok) throw new ConfigValidationError(toConfigIssues(checked.issues, path, parsed.locate));
  const f = checked.value;
  const here = dirname(path);
  const issues: ConfigIssue[] = [];
  const override = (field: string, key: string, value: unknown): ConfigOverride | undefined => {
    try {
      return parseOverride(`${key}=${flowText(value)}`);
    } catch (e) {
      if (!(e instanceof ConfigValidationError)) throw e;
      issues.push(...toConfigIssues([{ path: [field, key], message: e.issues[0]!.message, at: 'key' }], path, parsed.locate));
      return undefined;
    }
  };
  const fixed = Object.entries(f.set).map(([k, v]) => override('set', k, v));
  const axes: SweepAxis[] = Object.entries(f.axes).map(([k, v]) => {
    const values = Array.isArray(v) ? v : rangeValues(v);
    override('axes', k, values[0]);
    return { path: k, values };
  });
  const seeds = seedsOf(f.seeds);
  const machines = f.machines?.map((m) => resolvePath(here, m)) ?? [f.config === undefined ? undefined : resolvePath(here, f.config)];
  const points = machines.length * axes.reduce((n, a) => n * a.values.length, 1) * seeds.length;
  if (points > MAX_SWEEP_POINTS) issues.push({ file: path, path: '(top level)', message: `expands to ${points} points, more than ${MAX_SWEEP_POINTS}` });
  if (issues.length > 0) throw new ConfigValidationError(issues);
  return { source: path, machines, fixed: fixed as ConfigOverride[], axes, seeds, mode: f.mode, ...(f.workers !== undefined ? { workers: f.workers } : {}), metric: f.metric };
}

/** Returns every point of `plan` in sweep order (machines, then each axis, the last fastest, then seeds). */
export function sweepPoints(plan: SweepPlan): SweepPointSpec[] {
  const out: SweepPointSpec[] = [];
  let combos: { path: string; value: unknown }[][] = [[]];
  for (const axis of plan.axes) combos = combos.flatMap((c) => axis.values.map((value) => [...c, { path: axis.path, value }]));
  for (const machine of plan.machines) {
    for (const values of combos) {
      const overrides = [...plan.fixed, ...values.map((v) => parseOverride(`${v.path}=${flowText(v.value)}`))];
      for (const seed of plan.seeds) out.push({ index: out.length, machine, values, seed, overrides });
    }
  }
  return out;
}
