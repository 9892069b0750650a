/**
 * The system-RAM page allocator of one memory node (the buddy allocator
 * stand-in). Owned by the CPU node whose DRAM it manages (its home agent):
 * the free list and the allocated set are plain JS state only that node
 * touches; the frame records it initialises are shared.
 */
import { CdmsimError, InvariantViolation } from '@cdmsim/engine';
import { PG, PageType, type ContentStore, type FrameTable, type MemoryDesc } from '@cdmsim/shm';

/** Allocator of the frames of one SYSTEM_RAM memory. Never hands out device memory. */
export class PageAllocator {
  /** The memory this allocator owns. */
  readonly memory: MemoryDesc;
  readonly #frames: FrameTable;
  readonly #content: ContentStore;
  /** Frames below this offset were handed out at least once (lazy: untouched frames cost nothing). */
  #bump = 0;
  readonly #free: number[] = [];
  readonly #allocated = new Set<number>();

  /** Creates the allocator of `memory`, which must be SYSTEM_RAM. */
  constructor(memory: MemoryDesc, frames: FrameTable, content: ContentStore) {
    if (memory.type !== PageType.SYSTEM_RAM) throw new CdmsimError(`PageAllocator: memory node ${memory.memNode} is ${PageType[memory.type]}, not SYSTEM_RAM`);
    this.memory = memory;
    this.#frames = frames;
    this.#content = content;
  }

  /**
   * Allocates one frame (`alloc_pages` + `prep_new_page`): returns its pfn
   * with refcount 1, mapcount 0, no flags, no memcg, zero content; or null
   * when the node has no free frame.
   */
  alloc(): number | null {
    let pfn: number;
    const reused = this.#free.pop();
    if (reused !== undefined) pfn = reused;
    else if (this.#bump < this.memory.frameCount) pfn = this.memory.firstPfn + this.#bump++;
    else return null;
    const f = this.#frames;
    if (f.refcount(pfn) !== 0 || f.mapcount(pfn) !== 0) throw new InvariantViolation(`PageAllocator: free pfn ${pfn} has refcount ${f.refcount(pfn)} mapcount ${f.mapcount(pfn)}`);
    f.setFlags(pfn, 0);
    f.setMapping(pfn, 0);
    f.setIndex(pfn, 0);
    f.setRefcount(pfn, 1);
    this.#allocated.add(pfn);
    return pfn;
  }

  /**
   * Returns a frame to the free list (`free_unref_page`). The caller dropped
   * the last reference (refcount 0), unmapped it, removed it from the LRU
   * and uncharged it.
   */
  free(pfn: number): void {
    if (!this.#allocated.delete(pfn)) throw new InvariantViolation(`PageAllocator: double free of pfn ${pfn} on memory node ${this.memory.memNode}`);
    const f = this.#frames;
    if (f.refcount(pfn) !== 0 || f.mapcount(pfn) !== 0 || f.memcg(pfn) !== 0 || f.testFlag(pfn, PG.LRU)) {
      throw new InvariantViolation(`PageAllocator: freeing pfn ${pfn} still in use (refcount ${f.refcount(pfn)}, mapcount ${f.mapcount(pfn)}, memcg ${f.memcg(pfn)}, flags 0x${f.flags(pfn).toString(16)})`);
    }
    this.#content.release(pfn);
    f.setFlags(pfn, 0);
    f.setMapping(pfn, 0);
    this.#free.push(pfn);
  }

  /** Frames currently free. */
  freeCount(): number {
    return this.memory.frameCount - this.#allocated.size;
  }

  /** Distinct frames handed out at least once since the allocator was created (touched frames). */
  touchedCount(): number {
    return this.#bump;
  }

  /** Frames currently allocated. */
  allocatedCount(): number {
    return this.#allocated.size;
  }

  /** Allocated pfns (a copy, for invariant checks). */
  allocatedPfns(): number[] {
    return [...this.#allocated];
  }

  /** Pfns on the free list that were allocated before (for invariant checks). */
  freedPfns(): readonly number[] {
    return this.#free;
  }
}
