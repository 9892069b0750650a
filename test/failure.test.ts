import { describe, expect, it } from 'vitest';
import { NodeFailure } from '@cdmsim/engine';
import { ConfigValidationError } from '@cdmsim/config';
import { runSimulation } from '@cdmsim/runtime';
import { smallConfig } from './helpers.js';

describe('a failing worker fails the run with its node name, never a hang', () => {
  for (const node of ['cpu0', 'gpu2']) {
    for (const mode of ['deterministic', 'free'] as const) {
      it(`injected crash on ${node} (${mode})`, async () => {
        const run = runSimulation(smallConfig(), { seed: 1, mode, injectCrash: node, crashAfterEvents: 20 });
        await expect(run).rejects.toBeInstanceOf(NodeFailure);
        await expect(run).rejects.toMatchObject({ nodeName: node });
        await expect(run).rejects.toThrow(/injected crash/);
      });
    }
  }

  // A worker hosting several nodes names the one whose model threw, not its neighbours.
  for (const [engine, options] of [
    ['sequential', { mode: 'sequential' }],
    ['deterministic on 2 workers', { mode: 'deterministic', workers: 2 }],
  ] as const) {
    it(`injected crash on gpu1 (${engine}) names gpu1`, async () => {
      const run = runSimulation(smallConfig(), { seed: 1, ...options, injectCrash: 'gpu1', crashAfterEvents: 20 });
      await expect(run).rejects.toMatchObject({ name: 'NodeFailure', nodeName: 'gpu1' });
      await expect(run).rejects.toThrow(/injected crash on node gpu1/);
    });
  }

  it('rejects an unknown crash node before starting any worker', async () => {
    await expect(runSimulation(smallConfig(), { injectCrash: 'gpu9' })).rejects.toThrow(/no node named "gpu9"/);
  });
});

describe('a config edited in code is checked like a file before any worker starts', () => {
  it('accessesPerDevice: -5 is a ConfigValidationError naming the field, not a failed run', async () => {
    const config = smallConfig();
    (config.workload as { accessesPerDevice: number }).accessesPerDevice = -5;
    const run = runSimulation(config, { seed: 1 });
    await expect(run).rejects.toBeInstanceOf(ConfigValidationError);
    await expect(run).rejects.toThrow('<built-in default>: workload.accessesPerDevice: must be a positive number (got -5)');
  });

  it('a misspelt field is named as unknown instead of being ignored', async () => {
    const config = smallConfig();
    Object.assign(config.workload, { acessesPerDevice: 64 });
    await expect(runSimulation(config, { seed: 1 })).rejects.toThrow(/workload\.acessesPerDevice: unknown field \(known here: kind, process, bufferBytes/);
  });
});
