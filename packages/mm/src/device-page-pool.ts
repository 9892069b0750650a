/**
 * A driver's allocator of its own device pages (dmirror keeps a free list
 * the same way). Owned by the device's node. An idle page sits at
 * refcount 1; `alloc` takes the extra reference (refcount 2) that the
 * migration or fault path later hands to the mapping.
 */
import { InvariantViolation } from '@cdmsim/engine';
import { PG, type FrameTable } from '@cdmsim/shm';
import type { Devmem } from './devmem.js';

/** Free list of the pages of one devmem. */
export class DevicePagePool {
  readonly devmem: Devmem;
  readonly #frames: FrameTable;
  #bump = 0;
  readonly #free: number[] = [];
  readonly #inUse = new Set<number>();

  constructor(devmem: Devmem, frames: FrameTable) {
    this.devmem = devmem;
    this.#frames = frames;
  }

  /** Allocates an idle page (`hmm_vma_alloc_locked_page` without the lock): returns its pfn at refcount 2, or null if full or the devmem is being removed. */
  alloc(): number | null {
    if (!this.devmem.live) return null;
    let pfn = this.#free.pop();
    if (pfn === undefined) {
      if (this.#bump >= this.devmem.resource.frameCount) return null;
      pfn = this.devmem.resource.firstPfn + this.#bump++;
    }
    const f = this.#frames;
    if (f.refcount(pfn) !== 1 || f.mapcount(pfn) !== 0) throw new InvariantViolation(`device pool: idle pfn ${pfn} has refcount ${f.refcount(pfn)} mapcount ${f.mapcount(pfn)}`);
    f.setFlags(pfn, PG.RESERVED);
    f.refInc(pfn);
    this.#inUse.add(pfn);
    return pfn;
  }

  /** `page_free`: takes an idle page back. */
  pageFree(pfn: number): void {
    if (!this.#inUse.delete(pfn)) throw new InvariantViolation(`device pool: page_free of pfn ${pfn} that is not in use`);
    this.#free.push(pfn);
  }

  /** Pages handed out (a copy). */
  inUse(): number[] {
    return [...this.#inUse];
  }

  /** Pages still free. */
  freeCount(): number {
    return this.devmem.resource.frameCount - this.#inUse.size;
  }
}
