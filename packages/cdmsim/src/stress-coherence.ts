/**
 * `cdmsim stress coherence`: the random tester of the coherence protocol
 * (@cdmsim/coherence) over many seeds — many CPU and GPU caches, few lines,
 * random stores of distinct values and checked loads, with the SWMR /
 * data-value monitor and the deadlock watchdog on. Runs in-process on the
 * deterministic network, so any failure replays exactly from its seed.
 */
import Table from 'cli-table3';
import { formatPs } from '@cdmsim/engine';
import { runRandomTester, type RandomTesterReport } from '@cdmsim/coherence';

/** Options of one stress invocation. */
export interface CoherenceStressOptions {
  readonly seeds: readonly number[];
  readonly agents: number;
  readonly lines: number;
  readonly ops: number;
}

/** Runs every seed, yielding to the event loop between seeds (progress bars), calling `onSeed` with whether each passed; resolves with the reports in seed order. */
export async function runCoherenceStress(o: CoherenceStressOptions, onSeed?: (ok: boolean) => void): Promise<RandomTesterReport[]> {
  const reports: RandomTesterReport[] = [];
  for (const seed of o.seeds) {
    const r = runRandomTester({ seed, agents: o.agents, lines: o.lines, ops: o.ops });
    reports.push(r);
    onSeed?.(r.ok);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return reports;
}

/** Returns the text printed for the reports: a table, then one line per failure with its replay command. */
export function formatCoherenceStress(reports: readonly RandomTesterReport[]): string {
  const t = new Table({ head: ['seed', 'loads', 'stores', 'page flushes', 'messages', 'simulated time', 'result'] });
  for (const r of reports) t.push([r.seed, r.loads, r.stores, r.flushes, r.messages, formatPs(r.simulatedPs), r.ok ? 'ok' : 'FAILED']);
  const failures = reports.filter((r) => !r.ok);
  const lines = failures.map((r) => `seed ${r.seed} failed: ${r.error?.name}: ${r.error?.message}\n  replay: ${r.replay}`);
  const summary = `${reports.length - failures.length}/${reports.length} seeds passed every check`;
  return `${t.toString()}\n${summary}\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}
