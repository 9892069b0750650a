/**
 * Many seeds of the coherence tests on node workers, in both modes, run as a
 * sweep on the piscina pool (two whole simulations at a time): the random
 * tester with a small cache (so writebacks cross the bus too) and every
 * litmus test. Bounded: small runs, a fixed seed list.
 */
import { describe, expect, it } from 'vitest';
import type { SimConfig } from '@cdmsim/config';
import { defaultConfig } from '@cdmsim/workloads';
import { coherenceRandomWorkload, litmusWorkload } from './helpers.js';
import { runSweep, type SweepJob } from '@cdmsim/runtime';

const SEEDS = [11, 12, 13, 14];
const MODES = ['deterministic', 'free'] as const;

function jobs(config: SimConfig): SweepJob[] {
  return MODES.flatMap((mode) => SEEDS.map((seed) => ({ config, seed, mode })));
}

describe('coherence on node workers over many seeds, both modes', () => {
  it('the random tester with a 2-line cache passes every seed in both modes', async () => {
    const config = { ...defaultConfig(), workload: coherenceRandomWorkload({ opsPerNode: 80, lines: 4, cacheLines: 2 }) };
    const rows = await runSweep(jobs(config), { maxThreads: 2 });
    const failed = rows.filter((r) => !r.verified).map((r) => `seed ${r.seed} (${r.mode}): ${r.problems.join('; ')}`);
    expect(failed).toEqual([]);
    expect(rows).toHaveLength(SEEDS.length * MODES.length);
  });

  for (const test of ['CoRR', 'CoWW', 'CoRW', 'CoWR', 'MP+fences']) {
    it(`litmus ${test}: no forbidden outcome over ${SEEDS.length} seeds in both modes`, async () => {
      const config = { ...defaultConfig(), workload: litmusWorkload({ test, cacheLines: 1 }) };
      const rows = await runSweep(jobs(config), { maxThreads: 2 });
      expect(rows.filter((r) => !r.verified).map((r) => `seed ${r.seed} (${r.mode}): ${r.problems.join('; ')}`)).toEqual([]);
    });
  }
});
