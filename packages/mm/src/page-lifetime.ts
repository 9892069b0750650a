/**
 * Page references: get_page / put_page / release_pages with the ZONE_DEVICE
 * rule of patches 2/6 and 5/6. A RAM page is freed when its refcount drops
 * to 0; an HMM device page is idle at refcount 1, so the put that brings it
 * to 1 frees it: clear Active/Waiters, uncharge memcg, then the driver's
 * page_free. Device pages never go to the LRU or the RAM allocator.
 */
import { CdmsimError, InvariantViolation } from '@cdmsim/engine';
import { PG, PageType, idleRefcountOf } from '@cdmsim/shm';
import type { MmCore } from './mm-core.js';

/**
 * `get_page`: takes a reference on an in-use page. Throws if the page is
 * free (RAM refcount 0, device refcount 1 = idle) or a DEVICE_HOST page
 * (not refcounted in this model). Caller holds a reference already, or the
 * PTE lock of a PTE mapping the page.
 */
export function getPage(core: MmCore, pfn: number): void {
  const type = core.frames.pageType(pfn);
  if (type === PageType.DEVICE_HOST) throw new CdmsimError(`get_page: pfn ${pfn} is a DEVICE_HOST page (not refcounted)`);
  const idle = idleRefcountOf(type);
  const n = core.frames.refInc(pfn);
  if (n <= idle + 1) throw new InvariantViolation(`get_page: pfn ${pfn} (${PageType[type]}) was free (refcount now ${n})`);
}

/**
 * `put_page`: drops a reference. A device-private or device-public page
 * goes to `putZoneDevicePrivateOrPublicPage`; a RAM page at 0 is freed
 * (off the LRU, uncharged, back to its node's allocator). Caller owns the
 * reference it drops; must not hold the page lock when the put may free.
 */
export function putPage(core: MmCore, pfn: number): void {
  const type = core.frames.pageType(pfn);
  if (type === PageType.DEVICE_PRIVATE || type === PageType.DEVICE_PUBLIC) {
    putZoneDevicePrivateOrPublicPage(core, pfn);
    return;
  }
  if (type === PageType.DEVICE_HOST) throw new CdmsimError(`put_page: pfn ${pfn} is a DEVICE_HOST page (not refcounted)`);
  if (pfn === core.zeroPfn) throw new InvariantViolation('put_page: the zero page is never refcounted');
  const n = core.frames.refDec(pfn);
  if (n < 0) throw new InvariantViolation(`put_page: RAM pfn ${pfn} refcount went negative`);
  if (n === 0) freeRamPage(core, pfn);
}

/**
 * `put_zone_device_private_or_public_page` (kernel/memremap.c, patches 2/6
 * and 5/6): decrements; at 1 the page is idle: clears PG.ACTIVE and
 * PG.WAITERS, uncharges its memcg (`mem_cgroup_uncharge`), resets its
 * identity, then calls the owning driver's `page_free`. Refcount 0 on a
 * device page is a refcount bug and throws InvariantViolation.
 */
export function putZoneDevicePrivateOrPublicPage(core: MmCore, pfn: number): void {
  const f = core.frames;
  const count = f.refDec(pfn);
  if (count === 1) {
    f.clearFlag(pfn, PG.ACTIVE | PG.WAITERS);
    core.memcgs.uncharge(pfn);
    if (f.mapcount(pfn) !== 0) throw new InvariantViolation(`put_page: device pfn ${pfn} idle while still mapped ${f.mapcount(pfn)} times`);
    f.setFlags(pfn, PG.RESERVED);
    f.setMapping(pfn, 0);
    f.setIndex(pfn, 0);
    const owner = core.devmem.ownerOf(pfn);
    if (!owner) throw new InvariantViolation(`put_page: device pfn ${pfn} has no registered devmem`);
    // No cache may keep the old contents of a frame the driver hands out again.
    core.coherence.invalidatePage(pfn, () => {
      core.content.release(pfn);
      owner.ops.pageFree(pfn);
    });
  } else if (count <= 0) {
    throw new InvariantViolation(`put_page: device pfn ${pfn} reached refcount ${count}; ZONE_DEVICE pages never reach 0 (refcount bug)`);
  }
}

/**
 * `release_pages`: drops one reference on each page. Device-public and
 * device-private pages take the ZONE_DEVICE put path, never the LRU / RAM
 * allocator path. Caller owns one reference per entry.
 */
export function releasePages(core: MmCore, pfns: readonly number[]): void {
  for (const pfn of pfns) {
    if (pfn === core.zeroPfn) continue; // is_huge_zero_page analogue: never refcounted
    putPage(core, pfn);
  }
}

/**
 * `__put_page` for a RAM page at refcount 0: removes it from the LRU
 * (`__page_cache_release`), uncharges it (`mem_cgroup_uncharge`), then
 * frees it to its node's allocator.
 */
function freeRamPage(core: MmCore, pfn: number): void {
  const f = core.frames;
  if (f.mapcount(pfn) !== 0) throw new InvariantViolation(`put_page: RAM pfn ${pfn} freed while mapped ${f.mapcount(pfn)} times`);
  if (f.testFlag(pfn, PG.LRU)) core.lruOf(pfn).del(pfn);
  core.memcgs.uncharge(pfn);
  const allocator = core.ramAllocator(f.memNode(pfn));
  core.coherence.invalidatePage(pfn, () => allocator.free(pfn)); // no cache may keep the old contents of a reused frame
}

/** `page_add_rmap` / `page_dup_rmap`: one more PTE maps the page. Caller holds that PTE's lock. */
export function pageAddRmap(core: MmCore, pfn: number): void {
  core.frames.mapInc(pfn);
}

/** `page_remove_rmap`: one PTE less maps the page. Caller holds that PTE's lock. */
export function pageRemoveRmap(core: MmCore, pfn: number): void {
  if (core.frames.mapDec(pfn) < 0) throw new InvariantViolation(`page_remove_rmap: pfn ${pfn} mapcount went negative`);
}
