/**
 * The shape of the mm-stress operation table and the one function that
 * draws from it (`runMmStressOp`), used by every runner so that the same
 * seed draws the same operations in the same order.
 *
 * One draw, in this order:
 *  1. a live process, uniformly (no draw when there is none);
 *  2. a row, by weight (`rng.int(0, total weight − 1)`);
 *  3. fallbacks without drawing: a row that acts on a process runs the
 *     table's `withoutProcess` row when there is no process, and its
 *     `withoutArea` row when the process has no area yet;
 *  4. the row's `instead` alternative, if its `when` holds (it may draw);
 *  5. the row's target: nothing, the process, or a range (an area, a first
 *     page in it and a page count up to the area's end: three draws);
 *  6. the row's operation, which may draw further.
 */
import { CdmsimError, type Rng } from '@cdmsim/engine';
import { MM_STRESS_OPS, pick, type MmStressHost, type MmStressOp, type MmStressProcess, type MmStressRange } from './stress-host.js';

/** The target of each kind of row: what the runner draws before running it. */
export interface MmStressTargets {
  /** Acts on no process (spawn, unpin). */
  readonly nothing: null;
  /** Acts on the drawn process. */
  readonly process: MmStressProcess;
  /** Acts on a page range of one of the drawn process's areas (drawn even when the operation uses only the process or the whole area). */
  readonly range: MmStressRange;
}

/** What a row acts on. */
export type MmStressActs = keyof MmStressTargets;

/** A row acting on `A`. */
interface MmStressRowOf<A extends MmStressActs> {
  /** The row's key, unique in its table (`instead` and the fallbacks refer to rows by it). */
  readonly name: string;
  /** The operations it runs, as counted (e.g. `['munmap', 'exit']`); a row whose target turns out unusable counts as `'noop'`. */
  readonly ops: readonly MmStressOp[];
  /** Relative frequency; 0 = reached only as another row's `instead` or as a fallback. */
  readonly weight: number;
  readonly acts: A;
  /** Checked after the fallbacks, before the target is drawn: when `when(h)` holds (it may draw), the row named `row` runs instead. */
  readonly instead?: { readonly row: string; readonly when: (h: MmStressHost) => boolean; readonly description: string };
  /** One line for the rendered table: what the operation does. */
  readonly description: string;
  /** The operation: calls `h.begin(op)` before acting, then `done` exactly once. */
  readonly run: (h: MmStressHost, target: MmStressTargets[A], done: () => void) => void;
}

type RowByActs = { [A in MmStressActs]: MmStressRowOf<A> };

/** One row of the operation table (acting on nothing, a process or a range). */
export type MmStressRow<A extends MmStressActs = MmStressActs> = { [K in A]: RowByActs[K] }[A];

/** A step run after every operation, before the runner's checks (the real mix has none; a sabotage adds one). */
export type MmStressAfterOp = (h: MmStressHost) => void;

/** A checked operation table (build one with `defineMmStressTable`). */
export interface MmStressTable {
  readonly name: string;
  readonly rows: readonly MmStressRow[];
  /** Sum of the weights: every draw is `rng.int(0, totalWeight - 1)`. */
  readonly totalWeight: number;
  /** Key of the row run when a process is needed and there is none (acts on nothing). */
  readonly withoutProcess: string;
  /** Key of the row run when the drawn process has no area yet (acts on the process). */
  readonly withoutArea: string;
  readonly afterOp: readonly MmStressAfterOp[];
}

/** How each kind of target is drawn for a row once the fallbacks ran (`p` is defined for every kind but `nothing`). */
const DRAW_TARGET: { readonly [A in MmStressActs]: (h: MmStressHost, p: MmStressProcess | undefined) => MmStressTargets[A] } = {
  nothing: () => null,
  process: (_h, p) => p ?? missingProcess(),
  range: (h, p) => {
    const { proc, areas } = p ?? missingProcess();
    const area = pick(h.rng, areas) ?? missingProcess();
    const vpn = area.vpn + h.rng.int(0, area.pages - 1);
    return { proc, areas, area, vpn, pages: h.rng.int(1, area.vpn + area.pages - vpn) };
  },
};

function missingProcess(): never {
  throw new CdmsimError('mm stress: a row acting on a process or a range was reached without a mapped process (the fallbacks of runMmStressOp are broken)');
}

/**
 * Returns `table` checked and totalled. Throws CdmsimError (a programming
 * error) on a duplicate row key, a negative or fractional weight, a zero
 * total, a fallback or `instead` naming no row, a fallback acting on the
 * wrong target, or an operation kind (besides `'noop'`) no row runs.
 */
export function defineMmStressTable(table: Omit<MmStressTable, 'totalWeight' | 'afterOp'> & { readonly afterOp?: readonly MmStressAfterOp[] }): MmStressTable {
  const byName = new Map<string, MmStressRow>();
  const problems: string[] = [];
  for (const row of table.rows) {
    if (byName.has(row.name)) problems.push(`row ${row.name} appears twice`);
    byName.set(row.name, row);
    if (!Number.isInteger(row.weight) || row.weight < 0) problems.push(`row ${row.name} has weight ${row.weight} (a non-negative integer is needed)`);
  }
  for (const row of table.rows) if (row.instead && !byName.has(row.instead.row)) problems.push(`row ${row.name}: instead names no row (${row.instead.row})`);
  const fallbacks: readonly [string, string, MmStressActs][] = [
    ['withoutProcess', table.withoutProcess, 'nothing'],
    ['withoutArea', table.withoutArea, 'process'],
  ];
  for (const [field, key, acts] of fallbacks) {
    const row = byName.get(key);
    if (row?.acts !== acts) problems.push(`${field} must name a row acting on ${acts} (got ${key}${row ? `, acting on ${row.acts}` : ''})`);
  }
  const totalWeight = table.rows.reduce((n, r) => n + r.weight, 0);
  if (totalWeight <= 0) problems.push('the weights sum to 0');
  const covered = new Set(table.rows.flatMap((r) => r.ops));
  const missing = MM_STRESS_OPS.filter((op) => op !== 'noop' && !covered.has(op));
  if (missing.length) problems.push(`no row runs ${missing.join(', ')}`);
  if (problems.length) throw new CdmsimError(`mm stress table ${table.name}: ${problems.join('; ')}`);
  return { ...table, totalWeight, afterOp: table.afterOp ?? [] };
}

/** Returns the row of `table` named `name`; throws CdmsimError if there is none. */
export function mmStressRow(table: MmStressTable, name: string): MmStressRow {
  const row = table.rows.find((r) => r.name === name);
  if (!row) throw new CdmsimError(`mm stress table ${table.name}: no row ${name}`);
  return row;
}

/** Draws a row of `table` by weight: one `rng.int(0, totalWeight - 1)`. */
export function drawMmStressRow(table: MmStressTable, rng: Rng): MmStressRow {
  let x = rng.int(0, table.totalWeight - 1);
  for (const row of table.rows) {
    if (x < row.weight) return row;
    x -= row.weight;
  }
  throw new CdmsimError(`mm stress table ${table.name}: draw ${x} beyond the total weight ${table.totalWeight}`);
}

/** Returns the row that runs for the drawn `row` and process `p` (fallbacks, then `instead`); may draw for `instead`. */
function resolveRow(table: MmStressTable, h: MmStressHost, row: MmStressRow, p: MmStressProcess | undefined): MmStressRow {
  if (row.acts === 'nothing') return row;
  if (!p) return mmStressRow(table, table.withoutProcess);
  if (p.areas.length === 0) return mmStressRow(table, table.withoutArea);
  return row.instead?.when(h) ? mmStressRow(table, row.instead.row) : row;
}

function runRow<A extends MmStressActs>(row: MmStressRow<A>, h: MmStressHost, p: MmStressProcess | undefined, done: () => void): void {
  row.run(h, DRAW_TARGET[row.acts](h, p), done);
}

/**
 * Draws one operation of `table` and runs it on `h` (the draw order is in
 * the module comment); `done` is called once the operation performed
 * (before the after-operation steps and the runner's checks). Names the
 * operation `'noop'` first: a row that finds nothing to do leaves it so.
 */
export function runMmStressOp(table: MmStressTable, h: MmStressHost, done: () => void): void {
  h.begin('noop');
  const proc = pick(h.rng, [...h.areas.keys()]);
  const drawn = drawMmStressRow(table, h.rng);
  const p = proc && { proc, areas: h.areas.get(proc) ?? [] };
  runRow(resolveRow(table, h, drawn, p), h, p, done);
}

/** Runs the table's after-operation steps on `h` (after every operation, before the runner's checks). */
export function runMmStressAfterOp(table: MmStressTable, h: MmStressHost): void {
  for (const step of table.afterOp) step(h);
}

/** Returns `table` as a Markdown table (draw slot, row, weight, target, operations counted, what it does), for review and the README. */
export function renderMmStressTable(table: MmStressTable): string {
  const lines = [`| slots | row | weight | acts on | counted as | what it does |`, `|---|---|---|---|---|---|`];
  let slot = 0;
  for (const r of table.rows) {
    const slots = r.weight === 0 ? '—' : r.weight === 1 ? `${slot}` : `${slot}–${slot + r.weight - 1}`;
    slot += r.weight;
    const instead = r.instead ? ` Instead: \`${r.instead.row}\`, ${r.instead.description}.` : '';
    lines.push(`| ${slots} | \`${r.name}\` | ${r.weight} | ${r.acts} | ${r.ops.join(', ')} | ${r.description}.${instead} |`);
  }
  lines.push('', `Draw: \`rng.int(0, ${table.totalWeight - 1})\`. No process: \`${table.withoutProcess}\`. A process without an area: \`${table.withoutArea}\`.`);
  return lines.join('\n');
}
