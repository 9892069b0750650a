/**
 * The HTML report of a run (`report.html`): headline figures and charts a
 * person would rather look at than read — traffic per link direction by
 * message kind, link utilisation, memory bandwidth and page placement over
 * simulated time, messages over time. Self-contained: ECharts is inlined,
 * so the file opens offline and can be mailed around.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formatPs } from '@cdmsim/engine';
import { describeCheck, describeWorkload } from './workload-text.js';
import type { RunResult } from '@cdmsim/runtime';

const require = createRequire(import.meta.url);

/** The chart data the page script reads (plain JSON). */
interface ReportData {
  readonly linkDirections: string[];
  readonly kinds: string[];
  /** bytes[kind][direction] */
  readonly bytesByKind: number[][];
  readonly utilizationPercent: number[];
  readonly nodes: string[];
  /** Per node: [time µs, GB/s] points. */
  readonly memoryGBps: [number, number][][];
  /** Per node: [time µs, frames] points. */
  readonly frames: [number, number][][];
  /** Per node: [time µs, messages per µs] points. */
  readonly messageRate: [number, number][][];
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Turns cumulative samples into rates between consecutive samples. */
function rates(points: readonly { tPs: number; v: number }[], scale: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 1; i < points.length; i++) {
    const dt = points[i]!.tPs - points[i - 1]!.tPs;
    if (dt > 0) out.push([points[i]!.tPs / 1e6, ((points[i]!.v - points[i - 1]!.v) * scale) / dt]);
  }
  return out;
}

function reportData(r: RunResult): ReportData {
  const dirs = r.links.flatMap((l) => l.directions.filter((d) => d.messages > 0).map((d) => ({ label: `${d.from}→${d.to}`, d })));
  const kinds = [...new Set(dirs.flatMap(({ d }) => Object.keys(d.byKind)))].sort();
  return {
    linkDirections: dirs.map((x) => x.label),
    kinds,
    bytesByKind: kinds.map((k) => dirs.map(({ d }) => d.byKind[k]?.bytes ?? 0)),
    utilizationPercent: dirs.map(({ d }) => Math.round(d.utilization * 10000) / 100),
    nodes: r.nodes.map((n) => n.name),
    // bytes per ps * 1000 = bytes per ns = GB/s
    memoryGBps: r.nodes.map((n) => rates(n.timeline.map((s) => ({ tPs: s.tPs, v: s.memoryReadBytes + s.memoryWriteBytes })), 1000)),
    frames: r.nodes.map((n) => n.timeline.map((s): [number, number] => [s.tPs / 1e6, s.framesAllocated])),
    // messages per ps * 1e6 = messages per µs
    messageRate: r.nodes.map((n) => rates(n.timeline.map((s) => ({ tPs: s.tPs, v: s.messagesSent })), 1e6)),
  };
}

const PAGE_SCRIPT = `
const d = JSON.parse(document.getElementById('data').textContent);
const chart = (id, option) => echarts.init(document.getElementById(id)).setOption(option);
const timeAxis = { type: 'value', name: 'simulated µs', nameLocation: 'middle', nameGap: 28 };
const lines = (series, yName, stack) => ({
  tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 70, right: 30, top: 40, bottom: 50 },
  xAxis: timeAxis, yAxis: { type: 'value', name: yName },
  series: d.nodes.map((n, i) => ({ name: n, type: 'line', showSymbol: false, data: series[i], ...(stack ? { stack: 'all', areaStyle: {} } : {}) })),
});
chart('traffic', {
  tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } }, legend: { top: 0 },
  grid: { left: 110, right: 30, top: 40, bottom: 30 },
  xAxis: { type: 'value', name: 'bytes' }, yAxis: { type: 'category', data: d.linkDirections },
  series: d.kinds.map((k, i) => ({ name: k, type: 'bar', stack: 'bytes', data: d.bytesByKind[i] })),
});
chart('utilization', {
  tooltip: { trigger: 'axis' }, grid: { left: 110, right: 30, top: 20, bottom: 30 },
  xAxis: { type: 'value', name: '% of run busy' }, yAxis: { type: 'category', data: d.linkDirections },
  series: [{ type: 'bar', data: d.utilizationPercent }],
});
chart('memory', lines(d.memoryGBps, 'GB/s'));
chart('placement', lines(d.frames, 'frames allocated', true));
chart('messages', lines(d.messageRate, 'messages / µs'));
`;

/**
 * Returns the HTML report of `result` (charts; ECharts inlined, so it opens offline).
 * @example
 * ```ts
 * writeFileSync('report.html', htmlReport(await runSimulation(loadConfig(), { seed: 1 })));
 * ```
 */
export function htmlReport(result: RunResult): string {
  const echarts = readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
  const w = result.workload;
  const t = result.config.topology;
  const facts: [string, string][] = [
    ['machine', `${t.name}: ${t.cpus.length} CPU nodes, ${t.devices.length} devices, ${t.links.length} links`],
    ['mode, seed', `${result.host.mode}${result.host.workers > 1 ? ` on ${result.host.workers} workers` : ''}, ${result.seed}`],
    ['simulated time', formatPs(result.simTimePs)],
    ['workload', describeWorkload(w)],
    ['data check', describeCheck(w)],
    ['event-log hash', result.eventLogHash],
    ['events, messages, rounds', `${result.totals.events}, ${result.totals.messages}, ${result.host.scheduler.rounds}`],
  ];
  const data = reportData(result);
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const section = (id: string, title: string, note: string, height = 360) =>
    `<h2>${title}</h2><p class="note">${note}</p><div id="${id}" style="height:${height}px"></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cdmsim report: ${escapeHtml(t.name)}, seed ${result.seed}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}table{border-collapse:collapse}td{padding:3px 12px 3px 0;vertical-align:top}td:first-child{color:#666}.note{color:#666;margin-top:-8px}h2{margin-top:36px}</style>
</head><body>
<h1>cdmsim report</h1>
<table>${facts.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
${section('traffic', 'Traffic per link direction', 'Bytes on the wire (link header + payload), by message kind.', Math.max(240, 28 * data.linkDirections.length + 80))}
${section('utilization', 'Link utilisation', 'Share of the simulated run each direction spent serialising.', Math.max(200, 24 * data.linkDirections.length + 60))}
${section('memory', 'Memory bandwidth over time', 'Bytes read and written at each node\u2019s memory (its home agent), per simulated µs.')}
${section('placement', 'Page placement over time', 'Frames allocated in each node\u2019s memory.')}
${section('messages', 'Messages sent over time', 'Per node, per simulated µs.')}
<script id="data" type="application/json">${json}</script>
<script>${echarts}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
