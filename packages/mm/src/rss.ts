/**
 * Per-process rss counters (`mm->rss_stat`), split like the kernel by
 * `mm_counter(page)` (anon / file / shmem) and, as a cdmsim extra, by the
 * page type the pages live on. A device page counts in the same anon/file/
 * shmem counter as the page it replaces [6/6]. Owned by the process's CPU node.
 */
import { PG, PageType, type FrameTable } from '@cdmsim/shm';

/** Which rss / memcg counter a page belongs to. */
export type MmCounter = 'anon' | 'file' | 'shmem';

/** Returns the counter of a page from its flags (`mm_counter`): ANON → anon, SWAPBACKED → shmem, else file. */
export function mmCounter(frames: FrameTable, pfn: number): MmCounter {
  const flags = frames.flags(pfn);
  if (flags & PG.ANON) return 'anon';
  return flags & PG.SWAPBACKED ? 'shmem' : 'file';
}

/** Number of page types (index of `byType`). */
export const PAGE_TYPE_COUNT = 4;

/** The rss counters of one address space. */
export class RssCounters {
  anon = 0;
  file = 0;
  shmem = 0;
  /** Pages mapped per PageType (index = PageType). */
  readonly byType: number[] = new Array<number>(PAGE_TYPE_COUNT).fill(0);

  /** Counts one more mapped page (`inc_mm_counter(mm, mm_counter(page))`). */
  inc(frames: FrameTable, pfn: number): void {
    this[mmCounter(frames, pfn)]++;
    this.byType[frames.pageType(pfn)]!++;
  }

  /** Counts one mapped page less (`dec_mm_counter`). */
  dec(frames: FrameTable, pfn: number): void {
    this[mmCounter(frames, pfn)]--;
    this.byType[frames.pageType(pfn)]!--;
  }

  /** Moves one page from the page type of `oldPfn` to that of `newPfn` (migration keeps the anon/file/shmem counter). */
  migrate(frames: FrameTable, oldPfn: number, newPfn: number): void {
    this.byType[frames.pageType(oldPfn)]!--;
    this.byType[frames.pageType(newPfn)]!++;
  }

  /** Total rss in pages (`get_mm_rss`), device pages included. */
  total(): number {
    return this.anon + this.file + this.shmem;
  }

  /** Plain copy for reports. */
  snapshot(): { anon: number; file: number; shmem: number; byType: Record<string, number> } {
    const byType: Record<string, number> = {};
    for (let t = 0; t < PAGE_TYPE_COUNT; t++) byType[PageType[t]!] = this.byType[t]!;
    return { anon: this.anon, file: this.file, shmem: this.shmem, byType };
  }
}
