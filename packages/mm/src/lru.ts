/**
 * The LRU lists (active / inactive) of one system-RAM node. Owned by that
 * node's home agent (plain JS sets); the PG.LRU / PG.ACTIVE bits in the
 * shared frame record mirror membership. ZONE_DEVICE pages are never on an
 * LRU: their lru fields belong to the driver.
 */
import { CdmsimError } from '@cdmsim/engine';
import { PG, PageType, type FrameTable } from '@cdmsim/shm';

/** Active and inactive lists of one RAM node (`struct lruvec`). */
export class Lru {
  readonly #frames: FrameTable;
  readonly #active = new Set<number>();
  readonly #inactive = new Set<number>();

  constructor(frames: FrameTable) {
    this.#frames = frames;
  }

  /** Adds a RAM page (`lru_cache_add`); throws for a device page (ZONE_DEVICE pages are never on the LRU). */
  add(pfn: number, active = false): void {
    if (this.#frames.pageType(pfn) !== PageType.SYSTEM_RAM) throw new CdmsimError(`lru: pfn ${pfn} is a ${PageType[this.#frames.pageType(pfn)]} page; ZONE_DEVICE pages are never on the LRU`);
    if (this.#frames.testFlag(pfn, PG.LRU)) throw new CdmsimError(`lru: pfn ${pfn} is already on an LRU list`);
    (active ? this.#active : this.#inactive).add(pfn);
    this.#frames.setFlag(pfn, PG.LRU | (active ? PG.ACTIVE : 0));
  }

  /** Removes a page (`del_page_from_lru_list`); returns whether it was on a list. */
  del(pfn: number): boolean {
    const was = this.#active.delete(pfn) || this.#inactive.delete(pfn);
    if (was) this.#frames.clearFlag(pfn, PG.LRU | PG.ACTIVE);
    return was;
  }

  /** Returns whether the page is on one of the lists. */
  has(pfn: number): boolean {
    return this.#active.has(pfn) || this.#inactive.has(pfn);
  }

  /** Number of pages on both lists. */
  size(): number {
    return this.#active.size + this.#inactive.size;
  }

  /** Pages on the inactive list, oldest first (what reclaim scans). */
  inactivePages(): number[] {
    return [...this.#inactive];
  }

  /** Returns whether the page is on the active list. */
  isActive(pfn: number): boolean {
    return this.#active.has(pfn);
  }

  /** All pages on the lists (for invariant checks). */
  pages(): number[] {
    return [...this.#active, ...this.#inactive];
  }
}
