/**
 * Page caches (`struct address_space`) of files and shmem objects. A cached
 * page holds one reference for the cache, has FR_MAPPING = the cache id and
 * FR_INDEX = its offset. Files keep a backing store so evicted pages come
 * back with their data; shmem pages live only in the cache. Owned by the
 * CPU node that created the file (plain maps).
 */

/** One file or shmem object. */
export class PageCache {
  /** Mapping id written to FR_MAPPING (never 0). */
  readonly id: number;
  readonly name: string;
  /** shmem (swap-backed, PG.SWAPBACKED, counted as shmem) or a regular file. */
  readonly shmem: boolean;
  /** Cached pages: index → pfn. */
  readonly pages = new Map<number, number>();
  /** File contents of pages not in the cache (written back on eviction). */
  readonly backing = new Map<number, Uint8Array>();
  /** VMAs and open handles using the object; a shmem object is truncated when it drops to 0. */
  users = 0;
  /** For a DEVICE_HOST dax device: pfn of page 0 (pages map 1:1, never cached or migrated); null otherwise. */
  daxBasePfn: number | null = null;

  constructor(id: number, name: string, shmem: boolean) {
    this.id = id;
    this.name = name;
    this.shmem = shmem;
  }
}
