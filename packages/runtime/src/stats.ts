/**
 * A run's statistics as a flat text file, one `name value # description`
 * line per statistic, in the spirit of gem5's `stats.txt`: two runs (two
 * points of a sweep) compare with `diff`. Every number and flag of
 * `results.json` is there except the resolved config and the timelines;
 * list entries are named by their `name` where they have one. The `host.`
 * lines (wall time, rates) are the only ones that vary between identical runs.
 */
import { CdmsimError } from '@cdmsim/engine';
import type { RunResult } from './results.js';

/** Descriptions by the last key of a statistic (the results.json fields documented in the README). */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  simTimePs: 'simulated time of the last event (ps)',
  events: 'events processed',
  eventsProcessed: 'events processed',
  messages: 'messages',
  messagesSent: 'messages sent',
  messagesReceived: 'messages received',
  messagesForwarded: 'messages forwarded to another node',
  timersFired: 'timers fired',
  linkBytes: 'bytes over all links',
  bytes: 'bytes',
  touchedFrames: 'page frames touched',
  framesAllocated: 'page frames allocated',
  framesTouched: 'page frames touched',
  utilisation: 'share of simulated time the link direction was busy',
  queueDelayPs: 'total queueing delay (ps)',
  busyPs: 'busy time (ps)',
  reads: 'memory reads served',
  writes: 'memory writes served',
  bytesRead: 'bytes read from memory',
  bytesWritten: 'bytes written to memory',
  verified: 'the workload check passed (1) or failed (0)',
  lastEventPs: 'time of the node\'s last event (ps)',
  wallMs: 'host wall time of the run (ms)',
  startupMs: 'host time to start the workers (ms)',
  eventsPerSecond: 'simulated events per host second',
  rounds: 'deterministic rounds',
  eventsPerRound: 'events per deterministic round',
  wallUsPerRound: 'host µs per deterministic round',
  busyWorkerShare: 'mean share of workers busy per round',
  slowdown: 'host seconds per simulated second',
};

/** Keys never flattened: the input, the time series, per-worker details, the trace. */
const SKIPPED = new Set(['config', 'timeline', 'trace', 'workerDetails', 'version', 'eventLogHash']);

/**
 * Returns the text of `stats.txt` for `result`: one `name value # description` line per statistic, aligned.
 * @example
 * ```ts
 * writeFileSync('stats.txt', statsText(await runSimulation(defaultConfig(), { seed: 1 })));
 * ```
 */
export function statsText(result: RunResult): string {
  const lines: [string, string, string][] = [];
  const visit = (name: string, key: string, v: unknown): void => {
    if (SKIPPED.has(key)) return;
    if (typeof v === 'number' || typeof v === 'boolean') {
      lines.push([name, typeof v === 'boolean' ? (v ? '1' : '0') : formatNumber(v), DESCRIPTIONS[key] ?? `results.json ${name}`]);
    } else if (Array.isArray(v)) {
      v.forEach((e, i) => visit(`${name}.${entryName(e, i)}`, key, e));
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) visit(name === '' ? k : `${name}.${k}`, k, child);
    }
  };
  const { host, ...simulated } = result;
  visit('', '', simulated);
  visit('host', 'host', host);
  const width = Math.max(...lines.map(([n]) => n.length));
  const valueWidth = Math.max(...lines.map(([, v]) => v.length));
  return `${lines.map(([n, v, d]) => `${n.padEnd(width)} ${v.padStart(valueWidth)} # ${d}`).join('\n')}\n`;
}

/** A list entry's name in a statistic: its `name`, a link direction's `from->to`, else its index. */
function entryName(e: unknown, i: number): string {
  if (typeof e === 'object' && e !== null) {
    const o = e as { name?: unknown; from?: unknown; to?: unknown };
    if (typeof o.name === 'string') return o.name;
    if (typeof o.from === 'string' && typeof o.to === 'string') return `${o.from}->${o.to}`;
  }
  return String(i);
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}

/**
 * Returns the statistics of a `stats.txt` text as a map from name to value
 * (descriptions dropped), to compare runs in a script.
 * @throws CdmsimError naming the line when a line is not `name value # description`.
 * @example
 * ```ts
 * const a = parseStats(readFileSync('out/sweep/points/0000/stats.txt', 'utf8'));
 * const b = parseStats(readFileSync('out/sweep/points/0001/stats.txt', 'utf8'));
 * for (const [name, v] of a) if (b.get(name) !== v) console.log(name, v, '->', b.get(name));
 * ```
 */
export function parseStats(text: string): Map<string, number> {
  const stats = new Map<string, number>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^(\S+)\s+(\S+)\s+#/.exec(line);
    const value = m ? Number(m[2]) : Number.NaN;
    if (!m || Number.isNaN(value)) throw new CdmsimError(`stats line ${i + 1}: expected "name value # description", got "${line}"`);
    stats.set(m[1]!, value);
  });
  return stats;
}
