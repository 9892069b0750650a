/**
 * `_vm_normal_page` (mm/memory.c with patch 2/6): which struct page a
 * present PTE refers to for refcount / rmap / rss purposes.
 */
import { PTE_SPECIAL, PageType, PteKind, pteKind } from '@cdmsim/shm';
import type { MmCore } from './mm-core.js';

/**
 * Returns the pfn of the "normal" page behind a present PTE, or null:
 * - PRESENT without SPECIAL → the page;
 * - ZERO / SPECIAL → null;
 * - DEVMAP (always special, like x86 `pte_mkdevmap`): a DEVICE_PUBLIC page
 *   only if `withPublicDevice` (zap, madvise-free, pagemap, migrate
 *   collect, memcg move ask for it; LRU users such as mlock and NUMA
 *   balancing do not), a DEVICE_HOST page never;
 * - non-present kinds → null.
 * Caller holds the PTE lock (or reads a stable snapshot).
 */
export function vmNormalPage(core: MmCore, pfn: number, bits: number, withPublicDevice: boolean): number | null {
  switch (pteKind(bits)) {
    case PteKind.PRESENT:
      return bits & PTE_SPECIAL ? null : pfn;
    case PteKind.DEVMAP:
      if (core.frames.pageType(pfn) === PageType.DEVICE_PUBLIC) return withPublicDevice ? pfn : null;
      return null;
    default:
      return null;
  }
}
