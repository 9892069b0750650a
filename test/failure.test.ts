import { describe, expect, it } from 'vitest';
import { NodeFailure } from '@cdmsim/engine';
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

  it('rejects an unknown crash node before starting any worker', async () => {
    await expect(runSimulation(smallConfig(), { injectCrash: 'gpu9' })).rejects.toThrow(/no node named "gpu9"/);
  });
});
