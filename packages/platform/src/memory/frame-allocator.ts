/**
 * Free-frame allocator of one memory node. Only the memory's home worker
 * allocates and frees its frames, so the allocator is private to one
 * thread: a bump pointer over never-used frames plus a stack of freed ones
 * (reused first, so a long run touches as few frame-table chunks as it can).
 */
import type { MemoryRange } from './memory-map.js';

/** Allocator over one memory range. */
export class FrameAllocator {
  readonly range: MemoryRange;
  #nextUnused: number;
  readonly #freed: number[] = [];
  #allocated = 0;

  constructor(range: MemoryRange) {
    this.range = range;
    this.#nextUnused = range.firstPfn;
  }

  /** Returns a free frame's pfn, or undefined when the memory is full (an expected outcome, not an error). */
  alloc(): number | undefined {
    const reused = this.#freed.pop();
    if (reused !== undefined) {
      this.#allocated++;
      return reused;
    }
    if (this.#nextUnused >= this.range.firstPfn + this.range.frameCount) return undefined;
    this.#allocated++;
    return this.#nextUnused++;
  }

  /** Returns `pfn` to the free pool; the caller guarantees it is unused (refcount 0, unmapped). */
  free(pfn: number): void {
    if (pfn < this.range.firstPfn || pfn >= this.range.firstPfn + this.range.frameCount) {
      throw new Error(`pfn ${pfn} does not belong to memory node ${this.range.memNode}`);
    }
    this.#freed.push(pfn);
    this.#allocated--;
  }

  /** Distinct frames ever handed out (the high-water mark of the bump pointer). */
  get everAllocated(): number {
    return this.#nextUnused - this.range.firstPfn;
  }

  /** Frames currently allocated. */
  get allocated(): number {
    return this.#allocated;
  }

  /** Frames still free. */
  get freeFrames(): number {
    return this.range.frameCount - this.#allocated;
  }
}
