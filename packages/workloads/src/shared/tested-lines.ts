/**
 * Where the coherence workloads' lines live (coherence-random, litmus): line i is homed in the
 * memory of node i mod N (so the lines' directories sit on different nodes),
 * two lines per page, at the start of that memory's frame range. The home of
 * any line is the node owning its physical page (`MemoryRanges`).
 */
import { CdmsimError, type NodeId } from '@cdmsim/engine';
import type { LineAddr } from '@cdmsim/coherence';
import type { Topology } from '@cdmsim/config';
import type { LineIndex, MemoryRanges } from '@cdmsim/platform';

/** The tested lines of a coherence workload, listed, with the home and watch index of each. */
export interface TestedLines extends LineIndex {
  /** Line addresses in index order (index = slot in the coherence watch). */
  readonly addrs: readonly LineAddr[];
}

/** Returns the placement of `count` lines of `lineBytes` on `topology`'s memories. */
export function placeTestedLines(topology: Topology, ranges: MemoryRanges, count: number, lineBytes: number): TestedLines {
  const n = topology.nodes.length;
  const addrs: LineAddr[] = [];
  for (let i = 0; i < count; i++) {
    const range = ranges.ranges[i % n]!;
    const k = Math.floor(i / n);
    addrs.push((range.firstPfn + Math.floor(k / 2)) * topology.pageSizeBytes + (k % 2) * lineBytes);
  }
  const index = new Map(addrs.map((a, i) => [a, i]));
  return {
    addrs,
    indexOf(line) {
      const i = index.get(line);
      if (i === undefined) throw new CdmsimError(`line 0x${line.toString(16)} is not a tested line`);
      return i;
    },
    homeOf(line) {
      const pfn = Math.floor(line / topology.pageSizeBytes);
      const r = ranges.of(pfn);
      if (!r) throw new CdmsimError(`line 0x${line.toString(16)} (pfn ${pfn}) is in no memory`);
      return r.home;
    },
  };
}
