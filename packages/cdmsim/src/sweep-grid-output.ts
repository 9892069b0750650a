/**
 * Output of `cdmsim sweep FILE` (a parameter grid): one directory per point
 * (`points/NNNN/`: results.json, links.csv, nodes.csv, stats.txt and
 * params.json), `sweep.csv` with one row per point (its parameters, seed,
 * directory and headline figures), `report.html` (the chosen metric
 * against each axis, one line per machine, mean over the other axes and
 * the seeds) and, for people, a table and the failed points with the
 * command that replays each.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Table from 'cli-table3';
import { formatPs } from '@cdmsim/engine';
import { metricOf, type GridOutcome, type SweepPlan } from '@cdmsim/runtime';
import { csv, writeRunFiles } from './report-files.js';

const require = createRequire(import.meta.url);

/** Directory of a point, relative to the sweep's output directory. */
export function pointDir(index: number): string {
  return join('points', String(index).padStart(4, '0'));
}

/**
 * Writes every point's files, sweep.csv and report.html into `dir`; returns the sweep-level paths.
 * @example
 * ```ts
 * const plan = loadSweepFile('grid.yaml');
 * writeGridFiles(plan, await runGrid(resolveGrid(plan)), 'out/grid');
 * ```
 */
export function writeGridFiles(plan: SweepPlan, outcomes: readonly GridOutcome[], dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  for (const o of outcomes) {
    const at = join(dir, pointDir(o.point.index));
    mkdirSync(at, { recursive: true });
    const params = { machine: o.point.config.topology.name, ...Object.fromEntries(o.point.values.map((v) => [v.path, v.value])), seed: o.point.seed, replay: o.point.replay, ...(o.error ? { error: o.error } : {}) };
    writeFileSync(join(at, 'params.json'), JSON.stringify(params, null, 2) + '\n');
    if (o.result) writeRunFiles(o.result, at, false);
  }
  const axisPaths = plan.axes.map((a) => a.path);
  const header = ['point', 'dir', 'machine', ...axisPaths, 'seed', 'status', plan.metric, 'sim_time_ps', 'events', 'messages', 'link_bytes', 'verified', 'event_log_hash', 'wall_ms'];
  const rows = outcomes.map((o) => {
    const r = o.result;
    const values = o.point.values.map((v) => axisValueText(v.value));
    return [
      o.point.index,
      pointDir(o.point.index),
      o.point.config.topology.name,
      ...values,
      o.point.seed,
      r ? 'ok' : 'failed',
      r ? (metricOf(r, plan.metric) ?? '') : '',
      r?.simTimePs ?? '',
      r?.totals.events ?? '',
      r?.totals.messages ?? '',
      r?.totals.linkBytes ?? '',
      r ? r.workload.verified : '',
      r?.eventLogHash ?? '',
      r ? r.host.wallMs.toFixed(1) : '',
    ];
  });
  const csvPath = join(dir, 'sweep.csv');
  writeFileSync(csvPath, csv(header, rows));
  const reportPath = join(dir, 'report.html');
  writeFileSync(reportPath, gridReport(plan, outcomes));
  return [csvPath, reportPath];
}

/** Per axis: the axis values and, per machine, the mean metric at each value (null where no point ran). */
function axisSeries(plan: SweepPlan, outcomes: readonly GridOutcome[]): { axis: string; values: string[]; series: { name: string; data: (number | null)[] }[] }[] {
  const machines = [...new Set(outcomes.map((o) => o.point.config.topology.name))];
  return plan.axes.map((axis, a) => {
    const keys = axis.values.map((v) => JSON.stringify(v));
    const values = axis.values.map(axisValueText);
    const series = machines.map((name) => ({
      name,
      data: keys.map((key) => {
        const figures = outcomes
          .filter((o) => o.point.config.topology.name === name && JSON.stringify(o.point.values[a]!.value) === key && o.result)
          .map((o) => metricOf(o.result!, plan.metric))
          .filter((x): x is number => x !== undefined);
        return figures.length === 0 ? null : figures.reduce((s, x) => s + x, 0) / figures.length;
      }),
    }));
    return { axis: axis.path, values, series };
  });
}

/** Returns an axis value as a table cell or chart label shows it: scalars as they are (no quotes), lists and mappings as JSON. */
function axisValueText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Returns the comparison report: the metric against each axis (ECharts inlined, so it opens offline). */
export function gridReport(plan: SweepPlan, outcomes: readonly GridOutcome[]): string {
  const echarts = readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
  const charts = axisSeries(plan, outcomes);
  const failed = outcomes.filter((o) => !o.result).length;
  const json = JSON.stringify({ metric: plan.metric, charts }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cdmsim sweep: ${escapeHtml(plan.source)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}.note{color:#666}</style>
</head><body>
<h1>cdmsim sweep</h1>
<p>${escapeHtml(plan.source)}: ${outcomes.length} points (${failed} failed), seeds ${escapeHtml(plan.seeds.join(', '))}, ${escapeHtml(plan.mode)} mode. Each chart shows <b>${escapeHtml(plan.metric)}</b> against one axis, one line per machine, the mean over the seeds and the other axes' values.</p>
${charts.length === 0 ? '<p class="note">The sweep has no axes: see sweep.csv.</p>' : charts.map((_, i) => `<div id="axis${i}" style="height:360px"></div>`).join('\n')}
<script id="data" type="application/json">${json}</script>
<script>${echarts}</script>
<script>
const d = JSON.parse(document.getElementById('data').textContent);
d.charts.forEach((c, i) => echarts.init(document.getElementById('axis' + i)).setOption({
  title: { text: c.axis }, tooltip: { trigger: 'axis' }, legend: { top: 0, right: 0 },
  grid: { left: 90, right: 30, top: 50, bottom: 40 },
  xAxis: { type: 'category', name: c.axis, nameLocation: 'middle', nameGap: 26, data: c.values },
  yAxis: { type: 'value', name: d.metric },
  series: c.series.map((s) => ({ name: s.name, type: 'line', data: s.data, connectNulls: false })),
}));
</script>
</body></html>
`;
}

/** Returns the table of a grid sweep for people (every point), a summary line and the failed points with their replay commands. */
export function formatGrid(plan: SweepPlan, outcomes: readonly GridOutcome[]): string {
  const t = new Table({ head: ['point', 'machine', ...plan.axes.map((a) => a.path), 'seed', plan.metric, 'simulated time', 'check'] });
  for (const o of outcomes) {
    const r = o.result;
    t.push([
      o.point.index,
      o.point.config.topology.name,
      ...o.point.values.map((v) => axisValueText(v.value)),
      o.point.seed,
      r ? String(metricOf(r, plan.metric) ?? '-') : '-',
      r ? formatPs(r.simTimePs) : '-',
      r ? (r.workload.verified ? 'ok' : 'FAILED') : 'ERROR',
    ]);
  }
  const failed = outcomes.filter((o) => !o.result);
  const unverified = outcomes.filter((o) => o.result && !o.result.workload.verified);
  const lines = [`${outcomes.length} points: ${outcomes.length - failed.length - unverified.length} ok, ${unverified.length} failed their check, ${failed.length} failed to run`];
  for (const o of [...failed, ...unverified]) {
    lines.push(`point ${o.point.index} (${o.point.label}): ${o.error ?? o.result!.workload.problems.join('; ')}`, `  replay: ${o.point.replay}`);
  }
  return `${t.toString()}\n${lines.join('\n')}\n`;
}
