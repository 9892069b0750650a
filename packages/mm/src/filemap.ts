/**
 * Page-cache operations (mm/filemap.c, mm/shmem.c): find or create the
 * cached page of a file / shmem offset, truncate, drop caches. A cached page
 * holds one reference for the cache and is charged to the memcg of the
 * process that brought it in.
 */
import { PG } from '@cdmsim/shm';
import { Errno, errPtr } from './errno.js';
import type { MmCore } from './mm-core.js';
import type { Process } from './address-space.js';
import type { PageCache } from './page-cache.js';
import { putPage } from './page-lifetime.js';
import type { Vma } from './vma.js';

/**
 * `filemap_fault` / `shmem_getpage`: returns the pfn of page `index` of
 * `cache`, reading it in (from the backing store, else zeroes) on a miss.
 * The returned page holds only the cache's reference: a caller that maps
 * it takes its own (`get_page`). Returns ENOMEM when RAM (placement nodes
 * only, never device memory) or the memcg limit is exhausted, as
 * `errPtr(ENOMEM)`. Caller holds
 * the mmap lock.
 */
export function findOrCreateCachePage(core: MmCore, proc: Process, vma: Vma, vpn: number, cache: PageCache, index: number): number {
  const hit = cache.pages.get(index);
  if (hit !== undefined) return hit;
  const pfn = core.allocRamPage(core.placement(core, proc, vma, vpn));
  if (pfn === null) return errPtr(Errno.ENOMEM);
  const f = core.frames;
  f.setFlags(pfn, PG.UPTODATE | (cache.shmem ? PG.SWAPBACKED : 0));
  f.setMapping(pfn, cache.id);
  f.setIndex(pfn, index);
  if (core.memcgs.tryCharge(proc.memcg, pfn) !== Errno.OK) {
    putPage(core, pfn);
    return errPtr(Errno.ENOMEM);
  }
  const data = cache.backing.get(index);
  if (data) core.withPageLock(pfn, () => core.content.write(pfn, 0, data));
  core.lruOf(pfn).add(pfn);
  cache.pages.set(index, pfn);
  return pfn;
}

/**
 * Drops one user (VMA or handle) of a page cache; a shmem object with no
 * user left is truncated (`shmem_evict_inode`) and forgotten.
 */
export function releaseCacheUser(core: MmCore, cache: PageCache): void {
  cache.users--;
  if (cache.users > 0 || !cache.shmem) return;
  truncateCache(core, cache);
  core.caches.delete(cache.id);
}

/**
 * Removes every unmapped page of `cache` (`truncate_inode_pages` for shmem,
 * eviction for files): file data is written back to the backing store
 * first. A mapped page stays. Returns the number of pages removed.
 */
export function truncateCache(core: MmCore, cache: PageCache): number {
  let n = 0;
  for (const [index, pfn] of [...cache.pages]) {
    if (core.frames.mapcount(pfn) !== 0) continue;
    if (!cache.shmem) core.coherence.flushPage(pfn); // writeback reads memory: dirty cached lines come home first
    if (!cache.shmem && core.content.isWritten(pfn)) {
      const bytes = new Uint8Array(core.pageSize);
      core.withPageLock(pfn, () => core.content.read(pfn, 0, bytes));
      cache.backing.set(index, bytes);
    }
    cache.pages.delete(index);
    core.withPageLock(pfn, () => core.frames.setMapping(pfn, 0));
    putPage(core, pfn);
    n++;
  }
  return n;
}
