/**
 * The litmus tests of @cdmsim/coherence on the real simulator: each thread
 * on its own node worker (CPUs and GPUs alternately), protobuf `coh`
 * envelopes over the bus, the outcome checked against the test's forbidden
 * outcomes (and SWMR / data values across workers throughout).
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, litmus as litmusKind, LITMUS_TEST_NAMES } from '@cdmsim/workloads';
import { litmusWorkload } from './helpers.js';
import { runSimulation, type RunMode } from '@cdmsim/runtime';

async function litmus(test: string, seed: number, mode: RunMode, fields: Record<string, unknown> = {}) {
  const r = await runSimulation({ ...defaultConfig(), workload: litmusWorkload({ test, ...fields }) }, { seed, mode });
  if (!litmusKind.owns(r.workload)) throw new Error('wrong workload kind');
  return r.workload;
}

describe('litmus tests on node workers', () => {
  // One seed per mode and test keeps the file near 15 s on two cores; each run spawns six workers.
  it.each(LITMUS_TEST_NAMES.map((n) => [n]))('%s: no forbidden outcome (seed 1 deterministic; seed 2 free with a 1-line cache)', async (test) => {
    const runs = [await litmus(test, 1, 'deterministic'), await litmus(test, 2, 'free', { cacheLines: 1 })];
    for (const w of runs) {
      expect(w.problems).toEqual([]);
      expect(w.forbidden).toBe(false);
      expect(w.verified).toBe(true);
      expect(w.threadNodes[0]).toBe('cpu0');
      expect(w.threadNodes[1]).toBe('gpu0');
      expect(w.messages).toBeGreaterThan(0);
    }
  }, 15_000);

  it('same seed, same outcome and event-log hash in deterministic mode', async () => {
    const a = await runSimulation({ ...defaultConfig(), workload: litmusWorkload({ test: 'CoRR' }) }, { seed: 3, mode: 'deterministic' });
    const b = await runSimulation({ ...defaultConfig(), workload: litmusWorkload({ test: 'CoRR' }) }, { seed: 3, mode: 'deterministic' });
    expect(b.eventLogHash).toBe(a.eventLogHash);
    expect(b.workload).toEqual(a.workload);
  }, 15_000);
});
