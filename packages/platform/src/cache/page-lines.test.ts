import { describe, expect, it } from 'vitest';
import { defaultTopology } from '@cdmsim/config';
import { PageType } from '@cdmsim/shm';
import { memoryMap } from '../memory/memory-map.js';
import { PageLines } from './page-lines.js';

describe('PageLines: the lines of the frames processes may hold', () => {
  const topology = defaultTopology();
  const w = { ramPagesPerCpu: 96, devicePages: 16 };
  const memories = memoryMap(topology);
  const lines = new PageLines(topology, memories, w);

  it('covers every line of the RAM frames the allocators may hand out (cap + the zero page) and of the registered device frames, each once', () => {
    const expectedPages = memories.reduce((s, m) => s + Math.min(m.type === PageType.SYSTEM_RAM ? w.ramPagesPerCpu + 1 : w.devicePages, m.frameCount), 0);
    expect(lines.count).toBe(expectedPages * lines.linesPerPage);
    const indices = memories.flatMap((m) => {
      const pages = Math.min(m.type === PageType.SYSTEM_RAM ? w.ramPagesPerCpu + 1 : w.devicePages, m.frameCount);
      return Array.from({ length: pages * lines.linesPerPage }, (_, i) => lines.indexOf(lines.lineOf(m.firstPfn) + i * lines.lineBytes));
    });
    expect(indices).toEqual(Array.from({ length: lines.count }, (_, i) => i));
  });

  it('a line is homed at the node owning its memory; lineOf and pfnOf are inverse', () => {
    for (const m of memories) {
      const line = lines.lineOf(m.firstPfn, lines.linesPerPage - 1);
      expect(lines.pfnOf(line)).toBe(m.firstPfn);
      expect(lines.homeOf(line)).toBe(m.memNode);
      expect(lines.homeOfPage(m.firstPfn)).toBe(m.memNode);
    }
  });

  it('a frame outside the cached frames is a clear error, not a wrong index', () => {
    const ram = memories.find((m) => m.type === PageType.SYSTEM_RAM)!;
    expect(() => lines.indexOf(lines.lineOf(ram.firstPfn + w.ramPagesPerCpu + 1))).toThrow(/not one of the cached frames/);
  });
});
