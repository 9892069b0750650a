import { describe, expect, it } from 'vitest';
import type { SimConfig } from '@cdmsim/config';
import { defaultConfig, mmStressConfig } from '@cdmsim/workloads';
import { runSimulation } from '@cdmsim/runtime';
import { litmusWorkload, runJson, smallConfig } from './helpers.js';

describe('deterministic mode', () => {
  it('same config and seed twice gives byte-identical results (everything but host)', async () => {
    const config = smallConfig();
    const a = await runJson(config, 11);
    const b = await runJson(config, 11);
    expect(a.result.workload.verified).toBe(true);
    expect(a.json).toBe(b.json);
    expect(a.result.eventLogHash).toBe(b.result.eventLogHash);
  });

  it('a different seed gives different results on a racy workload (devices overlap)', async () => {
    const config = smallConfig({ overlap: true, writeFraction: 0.7 });
    const a = await runJson(config, 1);
    const b = await runJson(config, 2);
    expect(a.result.workload.verified).toBe(true);
    expect(b.result.workload.verified).toBe(true);
    expect(a.result.eventLogHash).not.toBe(b.result.eventLogHash);
    expect(a.result.workload.dataHash).not.toBe(b.result.workload.dataHash);
  });

  it('the racy workload itself replays exactly from its seed', async () => {
    const config = smallConfig({ overlap: true, writeFraction: 0.7 });
    const a = await runJson(config, 5);
    const b = await runJson(config, 5);
    expect(a.json).toBe(b.json);
  });
});

describe('deterministic mode under scheduling jitter', () => {
  // Workers sleep a random few hundred microseconds at every point where
  // thread timing could leak into results (arriving at a round, closing one,
  // before draining, before flushing): the barrier must still hand out the
  // same rounds, so the results must not change by a bit.
  const jitter = (seed: number) => ({ seed, maxDelayUs: 400, probability: 0.4 });
  const workloads: [string, () => SimConfig, number][] = [
    ['shared-buffer, racy', () => smallConfig({ overlap: true, writeFraction: 0.7 }), 5],
    ['litmus CoRR', () => ({ ...defaultConfig(), workload: litmusWorkload({ test: 'CoRR' }) }), 3],
    ['mm-stress', () => mmStressConfig({ opsPerCpu: 80 }), 7],
  ];
  it.each(workloads)('%s: the same event-log hash and outcome with and without random thread delays', async (_name, config, seed) => {
    const calm = await runSimulation(config(), { seed, mode: 'deterministic' });
    for (const j of [1, 2]) {
      const shaken = await runSimulation(config(), { seed, mode: 'deterministic', scheduleJitter: jitter(j) });
      expect(shaken.eventLogHash, `jitter seed ${j}`).toBe(calm.eventLogHash);
      expect(shaken.workload).toEqual(calm.workload);
      expect(shaken.simTimePs).toBe(calm.simTimePs);
      // The same rounds too: every barrier handed out the same horizons.
      expect(shaken.totals).toEqual(calm.totals);
      expect(shaken.host.scheduler.rounds).toBe(calm.host.scheduler.rounds);
      expect(shaken.links).toEqual(calm.links);
    }
  }, 60_000);
});
