import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MM_STRESS_TOPOLOGY_YAML } from './machine.js';
import { mmStressConfig, parseConfigYaml } from '../builtin.js';

const repoPath = (p: string): string => join(import.meta.dirname, '..', '..', '..', '..', p);

describe('built-in mm-stress machine', () => {
  it('is the same text as examples/mm-stress.yaml', () => {
    expect(readFileSync(repoPath('examples/mm-stress.yaml'), 'utf8')).toBe(MM_STRESS_TOPOLOGY_YAML);
  });

  it('has one device of each managed kind and an mm-stress workload', () => {
    const c = mmStressConfig();
    expect(c.topology.devices.map((d) => d.memory.kind).sort()).toEqual(['private', 'public', 'public']);
    expect(c.workload.kind).toBe('mm-stress');
  });

  it('refuses a cache sabotage without caches, naming the field', () => {
    const yaml = MM_STRESS_TOPOLOGY_YAML.replace('caches: true ', 'caches: false').replace('  maxThinkNs: 200', '  maxThinkNs: 200\n  testOnlySabotage: skip-dma-flush');
    expect(() => parseConfigYaml(yaml, 'nocache.yaml')).toThrow(/nocache\.yaml:\d+:\d+: workload\.testOnlySabotage: skip-dma-flush needs caches: true/);
  });

  it('names the CPU whose memory is smaller than ramPagesPerCpu', () => {
    const yaml = MM_STRESS_TOPOLOGY_YAML.replace('ramPagesPerCpu: 96 ', 'ramPagesPerCpu: 2048');
    expect(() => parseConfigYaml(yaml, 'small.yaml')).toThrow(/small\.yaml:\d+:\d+: cpus\[0\]\.dram\.size: holds 1024 pages, fewer than workload\.ramPagesPerCpu 2048/);
  });
});

