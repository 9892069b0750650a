import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ConfigError } from '@cdmsim/engine';
import { defaultConfig, loadConfigFile } from '@cdmsim/workloads';
import { nodesOfWorkers, parsePartition, partitionNodes, workerCountFor, workersOfRun } from './partition.js';

const dgx = () => loadConfigFile(join(import.meta.dirname, '..', '..', '..', 'examples', 'dgx-h100.yaml')).topology;
const names = (topology: ReturnType<typeof dgx>, workerOf: number[]) => nodesOfWorkers(workerOf).map((ns) => ns.map((n) => topology.nodes[n]!.name));

describe('workerCountFor', () => {
  it('sequential runs one worker, free and the default one per node, auto min(cores, nodes)', () => {
    expect(workerCountFor('sequential', 6, 2)).toBe(1);
    expect(workerCountFor('free', 6, 2)).toBe(6);
    expect(workerCountFor('deterministic', 6, 2)).toBe(6);
    expect(workerCountFor('deterministic', 6, 2, 'auto')).toBe(2);
    expect(workerCountFor('deterministic', 6, 16, 'auto')).toBe(6);
    expect(workerCountFor('deterministic', 6, 2, 9)).toBe(6);
  });

  it('rejects a count free or sequential mode cannot honour, and a count that is not one', () => {
    expect(() => workerCountFor('free', 6, 2, 2)).toThrow(ConfigError);
    expect(() => workerCountFor('sequential', 6, 2, 3)).toThrow(/sequential mode runs every node in one thread/);
    expect(() => workerCountFor('deterministic', 6, 2, 0)).toThrow(/positive integer or "auto"/);
    expect(() => workerCountFor('deterministic', 6, 2, 1.5)).toThrow(ConfigError);
  });
});

describe('partitionNodes', () => {
  it('puts each device with its nearest CPU node: one socket per worker when workers = sockets', () => {
    const t = defaultConfig().topology;
    expect(names(t, partitionNodes(t, 2))).toEqual([
      ['cpu0', 'gpu0', 'gpu1'],
      ['cpu1', 'gpu2', 'gpu3'],
    ]);
  });

  it('splits the largest socket groups when there are more workers than sockets, and every worker hosts a node', () => {
    const t = dgx();
    for (let w = 1; w <= t.nodes.length; w++) {
      const workerOf = partitionNodes(t, w);
      const groups = nodesOfWorkers(workerOf);
      expect(groups).toHaveLength(w);
      expect(groups.every((g) => g.length > 0)).toBe(true);
      expect(groups.flat().sort((a, b) => a - b)).toEqual(t.nodes.map((n) => n.id));
      // Balanced: no worker has more than one node above the ideal share rounded up.
      expect(Math.max(...groups.map((g) => g.length))).toBeLessThanOrEqual(Math.ceil(t.nodes.length / w) + 1);
    }
    expect(partitionNodes(t, 3)).toEqual(partitionNodes(t, 3));
  });

  it('one worker per node at or beyond the node count', () => {
    const t = defaultConfig().topology;
    expect(partitionNodes(t, 6)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('parsePartition (--partition)', () => {
  it('group i is worker i; names may carry spaces around them', () => {
    const t = defaultConfig().topology;
    const workerOf = parsePartition('cpu0 + gpu0, cpu1+gpu1+gpu2+gpu3', t);
    expect(names(t, workerOf)).toEqual([['cpu0', 'gpu0'], ['cpu1', 'gpu1', 'gpu2', 'gpu3']]);
    expect(names(t, parsePartition('gpu3,cpu0+cpu1+gpu0+gpu1+gpu2', t))).toEqual([['gpu3'], ['cpu0', 'cpu1', 'gpu0', 'gpu1', 'gpu2']]);
  });

  it('names what is wrong: an unknown node, a node twice, a node left out, an empty name', () => {
    const t = defaultConfig().topology;
    expect(() => parsePartition('cpu0+gpu9,cpu1+gpu1+gpu2+gpu3', t)).toThrow(/no node named "gpu9" \(known: cpu0, cpu1, gpu0/);
    expect(() => parsePartition('cpu0+gpu0,cpu0+cpu1+gpu1+gpu2+gpu3', t)).toThrow(/node cpu0 is in two groups/);
    expect(() => parsePartition('cpu0+gpu0,cpu1+gpu1', t)).toThrow(/gpu2, gpu3 are in no group/);
    expect(() => parsePartition('cpu0+,cpu1+gpu0+gpu1+gpu2+gpu3', t)).toThrow(/group 1 has an empty node name/);
    expect(() => parsePartition('cpu0+gpu0,,cpu1+gpu1+gpu2+gpu3', t)).toThrow(/group 2 has an empty node name/);
  });

  it('only in deterministic mode, and not together with a worker count', () => {
    const t = defaultConfig().topology;
    expect(() => workersOfRun('free', t, 2, undefined, 'cpu0+gpu0,cpu1+gpu1+gpu2+gpu3')).toThrow(/only deterministic mode/);
    expect(() => workersOfRun('sequential', t, 2, undefined, 'cpu0+gpu0,cpu1+gpu1+gpu2+gpu3')).toThrow(ConfigError);
    expect(() => workersOfRun('deterministic', t, 2, 2, 'cpu0+gpu0,cpu1+gpu1+gpu2+gpu3')).toThrow(/not both/);
    expect(workersOfRun('deterministic', t, 2, 'auto')).toEqual(partitionNodes(t, 2));
  });
});
