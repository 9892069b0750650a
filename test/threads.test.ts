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
