/**
 * The build bundles the worker entry into one file (startup), and workers
 * started from it run the same code as workers started from the module
 * graph: the same eventLogHash and results.json outside `host`.
 */
import { describe, expect, it } from 'vitest';
import type { SimConfig } from '@cdmsim/config';
import { deterministicPart, runSimulation, workerScript } from '@cdmsim/runtime';
import { mmStressConfig } from '@cdmsim/workloads';
import { smallConfig } from './helpers.js';

describe('worker bundle', () => {
  it('the build leaves a bundle at least as new as every file it was made from', () => {
    const s = workerScript();
    expect(s.reason ?? 'fresh', 'run `npm run build` (tsc -b alone does not bundle)').toBe('fresh');
    expect(s.kind).toBe('bundle');
  });

  const cases: [string, () => SimConfig, number][] = [
    ['shared-buffer', () => smallConfig({ overlap: true, writeFraction: 0.5 }), 4],
    ['mm-stress', () => mmStressConfig({ opsPerCpu: 60 }), 5],
  ];
  it.each(cases)('%s: workers from the bundle and from the module graph give identical results', async (_name, config, seed) => {
    const bundled = await runSimulation(config(), { seed, workers: 2 });
    const graph = await runSimulation(config(), { seed, workers: 2, moduleGraphWorkers: true });
    expect(bundled.host.workerScript).toBe('bundle');
    expect(graph.host.workerScript).toBe('modules');
    expect(graph.eventLogHash).toBe(bundled.eventLogHash);
    expect(JSON.stringify(deterministicPart(graph))).toBe(JSON.stringify(deterministicPart(bundled)));
  });
});
