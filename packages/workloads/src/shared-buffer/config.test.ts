import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_MACHINE_YAML } from '@cdmsim/config';
import { resolveConfig } from '../builtin.js';

const machine = (): Record<string, unknown> => parse(DEFAULT_MACHINE_YAML) as Record<string, unknown>;
const issueOf = (workload: Record<string, unknown>): string => {
  try {
    resolveConfig({ ...machine(), workload });
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the config to be refused');
};

describe('shared-buffer config section', () => {
  it('requires process to name a CPU node', () => {
    expect(issueOf({ process: 'gpu0' })).toContain('workload.process: "gpu0" is a device, not a CPU node (cpus: cpu0, cpu1)');
    expect(issueOf({ process: 'cpu7' })).toContain('workload.process: no CPU node named "cpu7" (cpus: cpu0, cpu1)');
  });

  it('requires accessSize ≤ pageSize, bufferSize ≤ 1GiB and ≥ accessSize, writeFraction ≤ 1', () => {
    expect(issueOf({ accessSize: '8KiB' })).toContain('workload.accessSize: must be at most pageSize 4KiB (got 8KiB)');
    expect(issueOf({ bufferSize: '2GiB' })).toContain('workload.bufferSize: must be at most 1GiB');
    expect(issueOf({ bufferSize: '32B', accessSize: '64B' })).toContain('workload.bufferSize: must be at least accessSize 64B (got 32B)');
    expect(issueOf({ writeFraction: 1.5 })).toContain('workload.writeFraction: must be ≤ 1 (got 1.5)');
  });

  it('resolves the process name to its node id and the think time to ps', () => {
    expect(resolveConfig({ ...machine(), workload: { kind: 'shared-buffer', process: 'cpu1', thinkTimeNs: 2 } }).workload).toMatchObject({ process: 1, thinkTimePs: 2000 });
  });
});
