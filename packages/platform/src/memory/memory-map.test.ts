import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { defaultTopology, parseMachineYaml } from '@cdmsim/config';
import { PageType } from '@cdmsim/shm';
import { join } from 'node:path';
import { memoryMap, MemoryRanges } from './memory-map.js';

describe('memoryMap', () => {
  it('gives every node one disjoint range of its memory size, in node order', () => {
    const topology = defaultTopology();
    const map = memoryMap(topology);
    expect(map.map((r) => r.home)).toEqual(topology.nodes.map((n) => n.id));
    for (let i = 1; i < map.length; i++) expect(map[i]!.firstPfn).toBeGreaterThanOrEqual(map[i - 1]!.firstPfn + map[i - 1]!.frameCount);
    expect(map[0]!.frameCount).toBe(topology.nodes[0]!.memory.sizeBytes / topology.pageSizeBytes);
    expect(map.find((r) => r.kind === 'public')!.type).toBe(PageType.DEVICE_PUBLIC);
  });

  it('finds the memory of any pfn, including on the ~700 M frame DGX example', () => {
    // The machine part of the example (its workload section belongs to @cdmsim/workloads, above this package).
    const text = readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'examples', 'dgx-h100.yaml'), 'utf8').split('\nworkload:')[0]!;
    const topology = parseMachineYaml(text, 'dgx-h100.yaml');
    const ranges = new MemoryRanges(memoryMap(topology));
    const last = ranges.ranges[ranges.ranges.length - 1]!;
    expect(ranges.of(last.firstPfn + last.frameCount - 1)!.home).toBe(last.home);
    expect(ranges.of(last.firstPfn + last.frameCount)).toBeUndefined();
    const total = ranges.ranges.reduce((s, r) => s + r.frameCount, 0);
    expect(total).toBeGreaterThan(690_000_000);
  });
});
