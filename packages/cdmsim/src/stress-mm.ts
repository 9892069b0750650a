/**
 * `cdmsim stress mm`: the seeded stress of the memory manager (@cdmsim/mm)
 * over many seeds — processes mapping, writing, forking, unmapping,
 * mprotecting, madvising and exiting while pages migrate to device-public
 * and device-private memory and back, memcg moves and GUP pins — with the
 * data and the invariant checker verified after every step. In-process and
 * deterministic: a failure replays exactly from its seed.
 */
import Table from 'cli-table3';
import { runMmStress, type MmStressReport } from '@cdmsim/mm/testing';

/** Runs `steps` random operations for every seed, calling `onSeed` with whether each passed; resolves with the reports in seed order. */
export async function runMmStressSeeds(seeds: readonly number[], steps: number, onSeed?: (ok: boolean) => void): Promise<MmStressReport[]> {
  const reports: MmStressReport[] = [];
  for (const seed of seeds) {
    const r = runMmStress({ seed, steps });
    reports.push(r);
    onSeed?.(r.ok);
    // Between seeds, let a progress bar draw.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return reports;
}

/** Returns the text printed for the reports: a table, then each failure with its replay command. */
export function formatMmStress(reports: readonly MmStressReport[]): string {
  const t = new Table({ head: ['seed', 'steps', 'migrated to public / private / RAM', 'faults', 'COW copies', 'pins', 'expected errors', 'result'] });
  for (const r of reports) {
    const errors = Object.values(r.expectedErrors).reduce((a, b) => a + b, 0);
    t.push([r.seed, r.steps, `${r.migratedPages.public} / ${r.migratedPages.private} / ${r.migratedPages.ram}`, r.faults, r.cowCopies, r.pins.shortTerm + r.pins.longTerm, errors, r.ok ? 'ok' : 'FAILED']);
  }
  const failures = reports.filter((r) => !r.ok);
  const lines = failures.map((r) => `seed ${r.seed} failed at step ${r.failure?.step} (${r.failure?.op}): ${r.failure?.message}\n  replay: ${r.replay}`);
  return `${t.toString()}\n${reports.length - failures.length}/${reports.length} seeds passed every check\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}
