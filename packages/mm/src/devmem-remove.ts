/**
 * `hmm_devmem_remove` (mm/hmm.c with patch 3/6): kill the pgmap reference
 * so the driver hands out no new page, wait until no page is in use (or
 * evict the pages to RAM by migration), remove the pages, and release the
 * physical region only for private memory: a public resource was given by
 * its owner and stays reserved.
 */
import { InvariantViolation } from '@cdmsim/engine';
import type { Devmem } from './devmem.js';
import { Errno } from './errno.js';
import { migrateToRam } from './migrate-vma.js';
import type { MmCore } from './mm-core.js';
import { rmapWalk } from './rmap.js';

/** Tag on the mmu-notifier events of the evictions `devmemRemove` performs. */
export const DEVMEM_REMOVE_OWNER = 'devmem-remove';

/** Options of `devmemRemove`. */
export interface DevmemRemoveOptions {
  /** Migrate in-use pages back to RAM first (default true); false = only wait (EBUSY while any page is in use). */
  readonly evict?: boolean;
}

/**
 * Returns the pages of `devmem` that are in use (refcount above the idle
 * 1). Frames never handed out are skipped without materialising them.
 */
export function devmemPagesInUse(core: MmCore, devmem: Devmem): number[] {
  const f = core.frames;
  const busy: number[] = [];
  const { firstPfn, frameCount } = devmem.resource;
  for (let pfn = firstPfn; pfn < firstPfn + frameCount; pfn++) if (f.isMaterialized(pfn) && f.refcount(pfn) > 1) busy.push(pfn);
  return busy;
}

/**
 * `hmm_devmem_remove`: kills the reference (`hmm_devmem_ref_kill`: from
 * now on the driver's pool allocates nothing), evicts every mapped page to
 * RAM with `migrate_vma` (unless `evict` is false), then, if no page is in
 * use any more, removes the pages (`hmm_devmem_pages_remove`) and, for
 * private memory only, releases the region (`devm_release_mem_region`) so
 * `devmemAdd` can claim it again. Returns OK when removed, or EBUSY while a
 * page is still in use (a GUP reference, an unmapped page-cache page, a
 * page the RAM side could not take): the memory stays killed and the
 * caller retries later — the model's `wait_for_completion`. Caller runs on
 * the device's node and may take the mmap lock of every process mapping
 * the memory.
 */
export function devmemRemove(core: MmCore, devmem: Devmem, opts: DevmemRemoveOptions = {}): Errno {
  if (devmem.removed) return Errno.EINVAL;
  devmem.kill();
  if (opts.evict ?? true) {
    for (const pfn of devmemPagesInUse(core, devmem)) {
      for (const hit of rmapWalk(core, pfn)) {
        if (core.frames.pageType(core.pageTables.readPfn(hit.pte)) !== devmem.type) continue; // moved by an earlier hit
        migrateToRam(core, hit.proc, hit.vpn, hit.vpn + 1, DEVMEM_REMOVE_OWNER);
      }
    }
  }
  if (devmemPagesInUse(core, devmem).length > 0) return Errno.EBUSY;
  const f = core.frames;
  const { firstPfn, frameCount } = devmem.resource;
  for (let pfn = firstPfn; pfn < firstPfn + frameCount; pfn++) {
    if (f.isMaterialized(pfn) && (f.mapcount(pfn) !== 0 || f.memcg(pfn) !== 0)) {
      throw new InvariantViolation(`devmem remove: idle pfn ${pfn} is still mapped (${f.mapcount(pfn)}) or charged (memcg ${f.memcg(pfn)})`);
    }
  }
  core.devmem.finishRemove(devmem);
  return Errno.OK;
}
