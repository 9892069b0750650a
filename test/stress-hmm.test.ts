/**
 * The HMM stress (issue: HMM, item 8) on the real simulator: processes on
 * the CPU-node worker and the dmirror test devices on theirs, migrations
 * both ways, evictions, releases, GUP, munmap, fork and exit racing with
 * reads and writes that are checked against the oracle. Bounded seeds and
 * steps here; `cdmsim stress hmm --seeds A..B --ops N` runs longer ones.
 */
import { describe, expect, it } from 'vitest';
import { runHmmStress } from 'cdmsim';
import { runCli } from './helpers.js';

const STEPS = 150;

describe('stress hmm on the simulator', () => {
  it('passes seeds 1..3 in deterministic mode with pages moving both ways, evictions and invalidations', async () => {
    const reports = await runHmmStress({ seeds: [1, 2, 3], ops: STEPS, mode: 'deterministic' });
    for (const r of reports) expect(r.error?.message, `seed ${r.seed}`).toBeUndefined();
    expect(reports.every((r) => r.ok)).toBe(true);
    const sum = (f: (r: (typeof reports)[number]) => number): number => reports.reduce((s, r) => s + f(r), 0);
    expect(sum((r) => r.pagesChecked)).toBeGreaterThan(300);
    expect(sum((r) => r.pagesToDevice)).toBeGreaterThan(50);
    expect(sum((r) => r.pagesToSystem)).toBeGreaterThan(50);
    expect(sum((r) => r.evicted)).toBeGreaterThan(0);
    expect(sum((r) => r.invalidations)).toBeGreaterThan(100);
    expect(sum((r) => r.forks)).toBeGreaterThan(0);
  }, 120_000);

  it('passes seeds 1..3 in free mode (real thread races), with each flavour', async () => {
    for (const [seed, flavour] of [[1, 'mixed'], [2, 'private'], [3, 'coherent']] as const) {
      const [r] = await runHmmStress({ seeds: [seed], ops: STEPS, mode: 'free', flavour });
      expect(r!.error?.message, `seed ${seed} ${flavour}`).toBeUndefined();
      expect(r!.ok).toBe(true);
    }
  }, 120_000);

  it('is deterministic: a seed run twice, and in sequential mode, gives the same event-log hash; another seed differs', async () => {
    const [a] = await runHmmStress({ seeds: [4], ops: 60, mode: 'deterministic' });
    const [b] = await runHmmStress({ seeds: [4], ops: 60, mode: 'deterministic' });
    const [c] = await runHmmStress({ seeds: [4], ops: 60, mode: 'sequential' });
    const [d] = await runHmmStress({ seeds: [5], ops: 60, mode: 'deterministic' });
    expect(a!.ok && b!.ok && c!.ok && d!.ok).toBe(true);
    expect(b!.eventLogHash).toBe(a!.eventLogHash);
    expect(c!.eventLogHash).toBe(a!.eventLogHash);
    expect(d!.eventLogHash).not.toBe(a!.eventLogHash);
  }, 120_000);

  it('a device mirror that keeps its entries after invalidations (stale-mirror) fails the data checks, naming the step, the page and the replay command', async () => {
    const [r] = await runHmmStress({ seeds: [1], ops: 80, mode: 'deterministic', sabotage: 'stale-mirror' });
    expect(r!.ok).toBe(false);
    expect(r!.error!.message).toMatch(/^stress hmm, step \d+, .*: page \d+ \(version \d+\) read wrong: word \d+ is [0-9a-f]+, expected [0-9a-f]+ \(seed 1\)$/);
    expect(r!.replay).toBe('npx cdmsim stress hmm --seed 1 --mode deterministic --ops 80 --test-only-sabotage stale-mirror');
  }, 60_000);

  it('cdmsim stress hmm prints the table and exits 0, exits 4 with the replay command when a check fails, 2 on a bad flavour', async () => {
    const ok = await runCli(['stress', 'hmm', '--seeds', '1..2', '--ops', '40', '--flavour', 'private']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/2\/2 seeds passed every check on the simulator \(deterministic mode\)/);
    const bad = await runCli(['stress', 'hmm', '--seed', '1', '--ops', '80', '--test-only-sabotage', 'stale-mirror']);
    expect(bad.code).toBe(4);
    expect(bad.stdout).toContain('replay: npx cdmsim stress hmm --seed 1 --mode deterministic --ops 80 --test-only-sabotage stale-mirror');
    const usage = await runCli(['stress', 'hmm', '--flavour', 'shiny']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--flavour.*shiny.*invalid/);
  }, 90_000);
});
