import { describe, expect, it } from 'vitest';
import { runSimulation, runSweep } from '@cdmsim/runtime';
import { smallConfig } from './helpers.js';

describe('sweeps on a piscina pool', () => {
  it('runs each seed as a whole simulation and matches a direct run of the same seed', async () => {
    const config = smallConfig({ overlap: true });
    const rows = await runSweep([3, 4].map((seed) => ({ config, seed, mode: 'deterministic' as const })), { maxThreads: 2 });
    expect(rows.map((r) => r.seed)).toEqual([3, 4]);
    expect(rows.every((r) => r.verified)).toBe(true);
    expect(rows[0]!.eventLogHash).not.toBe(rows[1]!.eventLogHash);
    const direct = await runSimulation(config, { seed: 4 });
    expect(rows[1]!.eventLogHash).toBe(direct.eventLogHash);
    expect(rows[1]!.simTimePs).toBe(direct.simTimePs);
  });

  it('names the seed and the node when a simulation of the sweep fails', async () => {
    const config = smallConfig();
    const broken = { ...config, workload: { ...config.workload, process: 99 as never } };
    await expect(runSweep([{ config: broken, seed: 8, mode: 'deterministic' }])).rejects.toThrow(/seed 8/);
  });
});
