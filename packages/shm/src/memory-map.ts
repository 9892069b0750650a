/**
 * The physical memory map: which memory node and page type own each PFN
 * range. PFNs are global; memories occupy disjoint ranges.
 */
import { CdmsimError, type MemNodeId } from '@cdmsim/engine';
import { FRAME_CHUNK_FRAMES, MAX_FRAMES, MEMNODE_ID_MAX, PageType } from './layout.js';

/** One memory: a PFN range of one memory node and page type. */
export interface MemoryDesc {
  readonly memNode: MemNodeId;
  readonly type: PageType;
  /** First PFN of the range. */
  readonly firstPfn: number;
  /** Number of frames in the range. */
  readonly frameCount: number;
}

/** A memory before PFN assignment (input of `layoutMemories`). */
export interface MemorySize {
  readonly memNode: MemNodeId;
  readonly type: PageType;
  readonly frameCount: number;
}

/** Options of `layoutMemories`. */
export interface LayoutMemoriesOptions {
  /** PFN of the first memory (default 0). */
  readonly basePfn?: number;
  /**
   * Alignment of each memory's first PFN in frames (default
   * FRAME_CHUNK_FRAMES, so no frame-table chunk spans two memories).
   */
  readonly alignFrames?: number;
}

/**
 * Assigns consecutive PFN ranges to `sizes`, in order, each starting at the
 * next multiple of `alignFrames`. Returns the memories with `firstPfn` set.
 */
export function layoutMemories(sizes: readonly MemorySize[], options: LayoutMemoriesOptions = {}): MemoryDesc[] {
  const align = options.alignFrames ?? FRAME_CHUNK_FRAMES;
  if (!Number.isSafeInteger(align) || align < 1) throw new CdmsimError(`layoutMemories: alignFrames must be >= 1, got ${align}`);
  let next = options.basePfn ?? 0;
  return sizes.map((s) => {
    const firstPfn = Math.ceil(next / align) * align;
    next = firstPfn + s.frameCount;
    return { memNode: s.memNode, type: s.type, firstPfn, frameCount: s.frameCount };
  });
}

/**
 * Sorted, validated memory map with PFN → memory lookup. Immutable, so every
 * thread builds its own copy from the same descriptors.
 */
export class MemoryMap {
  /** Memories sorted by firstPfn. */
  readonly memories: readonly MemoryDesc[];
  /** One past the highest PFN of any memory. */
  readonly endPfn: number;
  /** Sum of frameCount over all memories. */
  readonly totalFrames: number;
  private readonly starts: Float64Array;

  /** Validates `memories` (disjoint, in range, known type) and sorts them. */
  constructor(memories: readonly MemoryDesc[]) {
    const sorted = [...memories].sort((a, b) => a.firstPfn - b.firstPfn);
    let end = 0;
    let total = 0;
    for (const m of sorted) {
      if (!Number.isSafeInteger(m.firstPfn) || m.firstPfn < 0 || !Number.isSafeInteger(m.frameCount) || m.frameCount < 1) {
        throw new CdmsimError(`memory map: memory node ${m.memNode} has invalid range firstPfn=${m.firstPfn} frameCount=${m.frameCount}`);
      }
      if (m.firstPfn < end) throw new CdmsimError(`memory map: memory node ${m.memNode} at pfn ${m.firstPfn} overlaps the previous memory (ends at ${end})`);
      if (!(m.type in PageType) || typeof m.type !== 'number') throw new CdmsimError(`memory map: memory node ${m.memNode} has unknown page type ${String(m.type)}`);
      if (!Number.isInteger(m.memNode) || m.memNode < 0 || m.memNode > MEMNODE_ID_MAX) {
        throw new CdmsimError(`memory map: memory node id ${m.memNode} outside 0..${MEMNODE_ID_MAX}`);
      }
      end = m.firstPfn + m.frameCount;
      total += m.frameCount;
    }
    if (end > MAX_FRAMES) throw new CdmsimError(`memory map: end pfn ${end} exceeds the supported ${MAX_FRAMES}`);
    this.memories = sorted;
    this.endPfn = end;
    this.totalFrames = total;
    this.starts = Float64Array.from(sorted, (m) => m.firstPfn);
  }

  /** Returns the position in `memories` of the memory holding `pfn`, or -1 (gap or out of range). */
  indexOf(pfn: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= pfn) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi < 0) return -1;
    const m = this.memories[hi]!;
    return pfn < m.firstPfn + m.frameCount ? hi : -1;
  }

  /** Returns the memory holding `pfn`, or undefined for a gap or out-of-range PFN. */
  memoryOf(pfn: number): MemoryDesc | undefined {
    const i = this.indexOf(pfn);
    return i < 0 ? undefined : this.memories[i];
  }
}
