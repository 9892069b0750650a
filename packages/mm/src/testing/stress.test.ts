import { describe, expect, it } from 'vitest';
import { runMmStress, type MmStressReport } from './stress.js';

const SEEDS = [1, 2, 3, 4, 5];
const STEPS = 300;

/** Asserts a run passed, printing its failure (step, operation, message, replay) otherwise. */
function expectOk(r: MmStressReport): void {
  expect(r.ok, r.failure ? `step ${r.failure.step} (${r.failure.op}): ${r.failure.message}\nreplay: ${r.replay}` : '').toBe(true);
}

describe('stress (seeded, single-threaded)', () => {
  it('stress: random mmap/write/fork/munmap/exit/migrations/mprotect/madvise/memcg moves/gup pins keep data and invariants', () => {
    const reports = SEEDS.map((seed) => runMmStress({ seed, steps: STEPS }));
    for (const r of reports) expectOk(r);
    // Across the seeds the stress really exercises every operation and both device memories.
    const total = (f: (r: MmStressReport) => number): number => reports.reduce((n, r) => n + f(r), 0);
    for (const op of ['spawn', 'mmap', 'write', 'migrate-to-public', 'migrate-to-private', 'migrate-to-ram', 'fork', 'munmap', 'exit', 'mprotect', 'madvise-dontneed', 'madvise-free', 'reclaim', 'memcg-move', 'pin-short', 'pin-longterm', 'unpin'] as const) {
      expect(total((r) => r.operations[op]), op).toBeGreaterThan(0);
    }
    expect(total((r) => r.migratedPages.public)).toBeGreaterThan(0);
    expect(total((r) => r.migratedPages.private)).toBeGreaterThan(0);
    expect(total((r) => r.migratedPages.ram)).toBeGreaterThan(0);
    expect(total((r) => r.peakPagesInUse.public + r.peakPagesInUse.private)).toBeGreaterThan(0);
    expect(reports[0]!.steps).toBe(STEPS);
    expect(reports[0]!.replay).toBe(`npx cdmsim stress mm --seed 1 --ops ${STEPS}`);
  });

  it('is deterministic: the same seed gives the same report', () => {
    const a = runMmStress({ seed: 7, steps: 200 });
    const b = runMmStress({ seed: 7, steps: 200 });
    expectOk(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(runMmStress({ seed: 8, steps: 200 }))).not.toBe(JSON.stringify(a));
  });

  it('reports a deliberately broken rule (skipped putPage, corrupted rss) with the step, operation and replay line', () => {
    for (const kind of ['skip-put-page', 'corrupt-rss'] as const) {
      const r = runMmStress({ seed: 3, steps: 200, sabotage: { step: 40, kind } });
      expect(r.ok, kind).toBe(false);
      expect(r.failure!.step).toBeGreaterThanOrEqual(40);
      expect(r.failure!.step).toBe(r.steps - 1);
      expect(r.failure!.op).not.toBe('release-all');
      expect(r.failure!.message).toMatch(kind === 'corrupt-rss' ? /rss anon/ : /refcount/);
      expect(r.failure!.message).toContain('seed 3');
      expect(r.replay).toBe('npx cdmsim stress mm --seed 3 --ops 200');
    }
  });
});
