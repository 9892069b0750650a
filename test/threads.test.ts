import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Simulation } from '@cdmsim/runtime';
import { smallConfig } from './helpers.js';

describe('one worker thread per node', () => {
  it('runs every CPU node and every device on its own thread', async () => {
    const config = smallConfig();
    const sim = await Simulation.start(config, { seed: 1 });
    try {
      const ids = sim.threadIds;
      expect(ids).toHaveLength(config.topology.nodes.length);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).not.toContain(threadId);
      const result = await sim.run();
      expect(result.nodes.map((n) => n.name)).toEqual(config.topology.nodes.map((n) => n.name));
    } finally {
      await sim.stop();
    }
  });
});

describe('workers and nodes', () => {
  it('sequential mode runs every node on one worker thread; --workers 2 puts each socket on its own', async () => {
    const config = smallConfig();
    const seq = await Simulation.start(config, { seed: 1, mode: 'sequential' });
    const two = await Simulation.start(config, { seed: 1, mode: 'deterministic', workers: 2 });
    try {
      expect(new Set(seq.threadIds).size).toBe(1);
      expect(seq.threadIds[0]).not.toBe(threadId);
      // The default machine: cpu0 with gpu0 and gpu1, cpu1 with gpu2 and gpu3.
      const byName = Object.fromEntries(config.topology.nodes.map((n) => [n.name, two.workerOf[n.id]]));
      expect(byName).toEqual({ cpu0: 0, cpu1: 1, gpu0: 0, gpu1: 0, gpu2: 1, gpu3: 1 });
      expect(new Set(two.threadIds).size).toBe(2);
    } finally {
      await seq.stop();
      await two.stop();
    }
  });
});

describe('node flags of the main program', () => {
  it('a simulation started from `node --input-type=module -e` still loads its workers', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const runtime = new URL('../packages/runtime/dist/index.js', import.meta.url).href;
    const script = `
      import { defaultConfig, runSimulation } from '${runtime}';
      const c = defaultConfig();
      const r = await runSimulation({ ...c, workload: { ...c.workload, bufferBytes: 16384, accessesPerDevice: 8 } });
      console.log(r.workload.verified ? 'verified' : 'failed');
      process.exit(0);`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    expect(stdout.trim()).toBe('verified');
  });
});
