/**
 * Output of `cdmsim sweep`: a table on stdout, and sweep.json + sweep.csv.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import { formatPs } from '@cdmsim/engine';
import type { SweepRow } from '@cdmsim/runtime';

/** Returns the sweep table for people. */
export function formatSweepTable(rows: readonly SweepRow[]): string {
  const t = new Table({ head: ['seed', 'mode', 'simulated time', 'events', 'link bytes', 'event-log hash', 'data hash', 'check', 'wall'] });
  for (const r of rows) {
    t.push([r.seed, r.mode, formatPs(r.simTimePs), r.events, r.linkBytes, r.eventLogHash, r.dataHash, r.verified ? 'ok' : 'FAILED', `${(r.wallMs / 1000).toFixed(2)} s`]);
  }
  const times = rows.map((r) => r.simTimePs);
  const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length);
  return `${t.toString()}\n${rows.length} runs; simulated time mean ${formatPs(Math.round(mean))}, min ${formatPs(Math.min(...times))}, max ${formatPs(Math.max(...times))}\n`;
}

/** Writes sweep.json and sweep.csv into `dir`; returns their paths. */
export function writeSweepFiles(rows: readonly SweepRow[], dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'sweep.json');
  writeFileSync(json, JSON.stringify(rows, null, 2) + '\n');
  const csv = join(dir, 'sweep.csv');
  const header = 'machine,seed,mode,sim_time_ps,events,messages,link_bytes,event_log_hash,data_hash,verified,wall_ms';
  writeFileSync(
    csv,
    [header, ...rows.map((r) => [r.machine, r.seed, r.mode, r.simTimePs, r.events, r.messages, r.linkBytes, r.eventLogHash, r.dataHash, r.verified, r.wallMs.toFixed(1)].join(','))].join('\n') + '\n',
  );
  return [json, csv];
}
