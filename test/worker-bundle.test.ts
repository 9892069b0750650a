/// <reference path="../packages/runtime/src/comlink-node-adapter.d.ts" />
/**
 * The build bundles the worker code into one file with a V8 code cache
 * (startup), and workers started from it run the same code as workers
 * started from the module graph: the same eventLogHash and results.json
 * outside `host`.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { SimConfig } from '@cdmsim/config';
import { deterministicPart, runSimulation, workerScript, WORKER_BUNDLE } from '@cdmsim/runtime';
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
    expect(bundled.host.workerCodeCache, 'every worker compiled the bundle from the build\'s code cache').toBe('used');
    expect(graph.host.workerScript).toBe('modules');
    expect(graph.host.workerCodeCache).toBe('none');
    expect(graph.eventLogHash).toBe(bundled.eventLogHash);
    expect(JSON.stringify(deterministicPart(graph))).toBe(JSON.stringify(deterministicPart(bundled)));
  });

  it('a code cache V8 refuses (here: garbage) only costs time: the boot compiles the bundle and the worker serves its API', async () => {
    const dist = fileURLToPath(new URL('./', workerScript().url));
    const dir = mkdtempSync(join(tmpdir(), 'cdmsim-boot-'));
    const worker = (): Worker => {
      for (const f of [WORKER_BUNDLE.boot, 'worker-bundle-files.js', WORKER_BUNDLE.script]) copyFileSync(join(dist, f), join(dir, f));
      writeFileSync(join(dir, WORKER_BUNDLE.codeCache), Buffer.alloc(4096, 7));
      return new Worker(join(dir, WORKER_BUNDLE.boot));
    };
    const w = worker();
    try {
      const api = wrap<{ run(): unknown }>(nodeEndpoint(w));
      await expect(api.run()).rejects.toThrow('run() before init()');
    } finally {
      await w.terminate();
      rmSync(dir, { recursive: true });
    }
  });
});
