/**
 * Virtual memory areas (`struct vm_area_struct`): a page-aligned range
 * [start, end) in virtual page numbers with a kind and permissions.
 */
import type { PageCache } from './page-cache.js';

/**
 * Kinds of mapping: anonymous private, shared anonymous (shmem), file-backed
 * shared and private over a page cache, and `dax` (a VM_MIXEDMAP mapping of
 * DEVICE_HOST pmem pages through devmap PTEs, never migrated).
 */
export type VmaKind = 'anon' | 'shmem' | 'file-shared' | 'file-private' | 'dax';

/** One VMA. Owned by its process (mmap lock). */
export class Vma {
  start: number;
  end: number;
  readonly kind: VmaKind;
  read: boolean;
  write: boolean;
  /** Page cache behind a shmem / file / dax mapping; null for anon. */
  readonly cache: PageCache | null;
  /** Page offset in `cache` of `start` (`vm_pgoff`). */
  pgoff: number;

  constructor(start: number, end: number, kind: VmaKind, read: boolean, write: boolean, cache: PageCache | null, pgoff: number) {
    this.start = start;
    this.end = end;
    this.kind = kind;
    this.read = read;
    this.write = write;
    this.cache = cache;
    this.pgoff = pgoff;
  }

  /** True for mappings whose writes are private copies (COW): anon and file-private (`is_cow_mapping`). */
  isCow(): boolean {
    return this.kind === 'anon' || this.kind === 'file-private';
  }

  /** True for mappings whose pages are shared with the page cache (`VM_SHARED`). */
  isShared(): boolean {
    return this.kind === 'shmem' || this.kind === 'file-shared';
  }

  /** Page index in the cache for `vpn` (`linear_page_index`). */
  indexOf(vpn: number): number {
    return this.pgoff + (vpn - this.start);
  }

  /** Returns a copy covering [start, end) of this VMA (for splits); the cache reference is counted by the caller. */
  slice(start: number, end: number): Vma {
    return new Vma(start, end, this.kind, this.read, this.write, this.cache, this.pgoff + (start - this.start));
  }
}
