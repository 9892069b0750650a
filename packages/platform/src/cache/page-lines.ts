/**
 * The cache lines of the pages the memory manager hands out, for the
 * coherence watch and the caches: every line of every frame a process page
 * can live in (`CachedPageCounts`: the allocators' caps). A line's home is
 * the node owning its memory.
 */
import { CdmsimError, type NodeId } from '@cdmsim/engine';
import type { LineAddr } from '@cdmsim/coherence';
import type { Topology } from '@cdmsim/config';
import { PageType, type MemoryDesc } from '@cdmsim/shm';
import type { LineIndex } from './line-index.js';

/** How many frames of each memory may hold cached pages: the first `ramPagesPerCpu` + 1 of each CPU node's RAM (its allocator's cap plus the zero page) and the first `devicePages` of each device memory. */
export interface CachedPageCounts {
  readonly ramPagesPerCpu: number;
  readonly devicePages: number;
}

interface PageSpan {
  readonly firstPfn: number;
  readonly pages: number;
  readonly home: NodeId;
  /** Watch index of this span's first line. */
  readonly firstIndex: number;
}

/** The lines of the cached frames: index, home, and the page a line belongs to. */
export class PageLines implements LineIndex {
  /** Number of lines (the size of the coherence watch). */
  readonly count: number;
  readonly pageBytes: number;
  readonly lineBytes: number;
  readonly linesPerPage: number;
  readonly #spans: readonly PageSpan[];

  /** Lays out the lines of the cached frames of `memories` (the memory map; see the file comment). Every worker builds the same layout from the same arguments. */
  constructor(topology: Topology, memories: readonly MemoryDesc[], spec: CachedPageCounts) {
    this.pageBytes = topology.pageSizeBytes;
    this.lineBytes = topology.nodes[0]!.cache.lineBytes;
    this.linesPerPage = this.pageBytes / this.lineBytes;
    const spans: PageSpan[] = [];
    let next = 0;
    for (const m of memories) {
      const cachedPages = m.type === PageType.SYSTEM_RAM ? spec.ramPagesPerCpu + 1 : m.type === PageType.DEVICE_PUBLIC || m.type === PageType.DEVICE_PRIVATE ? spec.devicePages : 0;
      const pages = Math.min(cachedPages, m.frameCount);
      if (pages === 0) continue;
      spans.push({ firstPfn: m.firstPfn, pages, home: m.memNode as number as NodeId, firstIndex: next });
      next += pages * this.linesPerPage;
    }
    this.#spans = spans;
    this.count = next;
  }

  /** Returns the address of line `lineInPage` of frame `pfn`. */
  lineOf(pfn: number, lineInPage = 0): LineAddr {
    return pfn * this.pageBytes + lineInPage * this.lineBytes;
  }

  /** Returns the frame holding `line`. */
  pfnOf(line: LineAddr): number {
    return Math.floor(line / this.pageBytes);
  }

  indexOf(line: LineAddr): number {
    const s = this.#span(this.pfnOf(line));
    return s.firstIndex + (line - s.firstPfn * this.pageBytes) / this.lineBytes;
  }

  homeOf(line: LineAddr): NodeId {
    return this.#span(this.pfnOf(line)).home;
  }

  /** Returns the home node of frame `pfn`. @throws Error when it is not a cached frame. */
  homeOfPage(pfn: number): NodeId {
    return this.#span(pfn).home;
  }

  #span(pfn: number): PageSpan {
    for (const s of this.#spans) if (pfn >= s.firstPfn && pfn < s.firstPfn + s.pages) return s;
    throw new CdmsimError(`pfn ${pfn} is not one of the cached frames`);
  }
}
