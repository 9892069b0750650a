import { describe, expect, it } from 'vitest';
import { resolveConfig, workloadSpec } from '../builtin.js';
import { coherenceRandom } from './index.js';

const machine = (lineSize: string) => ({
  name: 'two',
  cpus: [{ name: 'cpu0', cores: 1, dram: { size: '1GiB', latencyNs: 90, bandwidthGBps: 100 }, cache: { size: '1MiB', ways: 8, lineSize: '64B', hitLatencyNs: 10 } }],
  devices: [{ name: 'gpu0', kind: 'gpu', memory: { size: '1GiB', kind: 'public', latencyNs: 300, bandwidthGBps: 900 }, cache: { size: '1MiB', ways: 8, lineSize, hitLatencyNs: 30 } }],
  links: [{ between: ['cpu0', 'gpu0'], kind: 'nvlink', latencyNs: 100, bandwidthGBps: 50, headerBytes: 16, coherent: true }],
});

describe('coherence-random config section', () => {
  it('resolves with its defaults, and from fields built in code', () => {
    expect(resolveConfig({ ...machine('64B'), workload: { kind: 'coherence-random' } }).workload).toEqual({
      kind: 'coherence-random',
      lines: 3,
      opsPerNode: 500,
      storeFraction: 0.4,
      maxThinkPs: 200_000,
      flushesPer100Ops: 2,
    });
    expect(workloadSpec(coherenceRandom, { lines: 5 }).lines).toBe(5);
  });

  it('requires one line size in every cache (the shared-buffer workload does not), and valid fields', () => {
    expect(() => resolveConfig({ ...machine('128B'), workload: { kind: 'coherence-random' } })).toThrow(
      'devices[0].cache.lineSize: the coherence-random workload needs one line size in every cache: gpu0 has 128B, cpu0 has 64B',
    );
    expect(() => resolveConfig({ ...machine('128B') })).not.toThrow();
    expect(() => workloadSpec(coherenceRandom, { opsPerNode: -1 })).toThrow(/workload\.opsPerNode: must be a positive number/);
  });
});
