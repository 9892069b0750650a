/**
 * Writes a run's outputs into its output directory: `results.json` (the
 * full result), `report.html` (charts), `links.csv` (one row per link direction), `nodes.csv` (one
 * row per node), `stats.txt` (one `name value # description` line per
 * statistic, for diff) and, when recorded, `trace.json` (Chrome / Perfetto trace
 * of the simulated timeline). Returns the paths written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { statsText, type RunResult } from '@cdmsim/runtime';
import { htmlReport } from './html-report.js';

/** Quotes a CSV field when it needs it. */
function csvField(v: string | number | boolean): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Returns CSV text: the header row, then `rows`, fields quoted where needed. */
export function csv(header: string[], rows: (string | number | boolean)[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

/**
 * Writes results.json, report.html (unless `html` is false), links.csv,
 * nodes.csv, stats.txt and (when recorded) trace.json into `dir` (created
 * if needed). Returns the paths written.
 * @example
 * ```ts
 * writeRunFiles(await runSimulation(loadConfig(), { seed: 2 }), 'out/seed2');
 * ```
 */
export function writeRunFiles(result: RunResult, dir: string, html = true): string[] {
  mkdirSync(dir, { recursive: true });
  const { trace, ...withoutTrace } = result;
  const files: [string, string][] = [
    ['results.json', JSON.stringify(withoutTrace, null, 2) + '\n'],
    ...(html ? [['report.html', htmlReport(result)] as [string, string]] : []),
    ['stats.txt', statsText(result)],
    ...(trace ? [['trace.json', JSON.stringify(trace) + '\n'] as [string, string]] : []),
    [
      'links.csv',
      csv(
        ['link', 'kind', 'from', 'to', 'messages', 'bytes', 'utilization', 'busy_ps', 'queue_delay_ps', 'max_queue_delay_ps'],
        result.links.flatMap((l) =>
          l.directions.map((d) => [l.name, l.kind, d.from, d.to, d.messages, d.bytes, d.utilization.toFixed(6), d.busyPs, d.queueDelayPs, d.maxQueueDelayPs]),
        ),
      ),
    ],
    [
      'nodes.csv',
      csv(
        ['node', 'kind', 'events', 'messages_sent', 'messages_received', 'messages_forwarded', 'memory_reads', 'memory_writes', 'memory_busy_ps', 'frames_allocated', 'event_log_hash'],
        result.nodes.map((n) => [
          n.name,
          n.kind,
          n.kernel.eventsProcessed,
          n.kernel.messagesSent,
          n.kernel.messagesReceived,
          n.kernel.messagesForwarded,
          n.home.reads,
          n.home.writes,
          n.home.busyPs,
          n.framesAllocated,
          n.eventLogHash,
        ]),
      ),
    ],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}
