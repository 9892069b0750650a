/**
 * `madvise` (mm/madvise.c) MADV_DONTNEED and MADV_FREE. DONTNEED zaps the
 * range (device pages take the ZONE_DEVICE put path through `zapRange`,
 * which finds public pages with `_vm_normal_page(..., true)`). FREE marks
 * exclusively owned anonymous pages clean and lazy-free: reclaim drops
 * them instead of swapping unless they are written again
 * (`reclaimLazyFree`). Device pages found by FREE (public, through
 * `_vm_normal_page(..., true)` [2/6]) get a clean PTE but are never put
 * on an LRU.
 */
import { PTE_DIRTY, PTE_YOUNG, PG, PageType, pteKind } from '@cdmsim/shm';
import type { Process } from './address-space.js';
import { Errno } from './errno.js';
import type { MmCore } from './mm-core.js';
import { MmuNotifyEvent } from './mmu-notifier.js';
import { rangeFullyMapped } from './mprotect.js';
import { pteAction } from './pte-transitions.js';
import { vmNormalPage } from './vm-normal-page.js';
import { zapRange } from './zap.js';

/** Supported advice values. */
export type MadviseAdvice = 'dontneed' | 'free';

/**
 * `do_madvise` for DONTNEED / FREE over [startVpn, startVpn+pages).
 * Returns OK, EINVAL (bad arguments, FREE on a non-anonymous VMA: nothing
 * changed) or ENOMEM (part of the range unmapped: nothing changed). Caller
 * holds the mmap lock for read.
 */
export function madvise(core: MmCore, proc: Process, startVpn: number, pages: number, advice: MadviseAdvice): Errno {
  if (!Number.isInteger(pages) || pages < 1 || startVpn < 0) return Errno.EINVAL;
  const endVpn = startVpn + pages;
  if (!rangeFullyMapped(proc, startVpn, endVpn)) return Errno.ENOMEM;
  const vmas = proc.vmas.filter((v) => v.start < endVpn && startVpn < v.end);
  if (advice === 'free' && vmas.some((v) => v.kind !== 'anon')) return Errno.EINVAL; // madvise_free_single_vma: !vma_is_anonymous
  for (const v of vmas) {
    const s = Math.max(startVpn, v.start);
    const e = Math.min(endVpn, v.end);
    if (advice === 'dontneed') zapRange(core, proc, v, s, e, MmuNotifyEvent.CLEAR); // madvise_dontneed_single_vma → zap_page_range
    else madviseFreeRange(core, proc, s, e);
  }
  return Errno.OK;
}

/**
 * `madvise_free_single_vma` → `madvise_free_pte_range`: for each page
 * found with `_vm_normal_page(..., true)`: a PG.DIRTY page mapped more than
 * once is left alone; otherwise PG.DIRTY is cleared, the PTE made old and
 * clean, and a RAM anonymous page is marked lazy-free. Device-private and
 * migration entries are skipped. Returns the pages made lazy-free. Caller
 * holds the mmap lock; takes PTE and page locks.
 */
export function madviseFreeRange(core: MmCore, proc: Process, startVpn: number, endVpn: number): number {
  const pt = core.pageTables;
  const f = core.frames;
  const range = { pid: proc.pid, startVpn, endVpn, event: MmuNotifyEvent.CLEAR, owner: null };
  return proc.notifiers.around(range, () => {
    let lazy = 0;
    pt.forEachPresent(proc.root, startVpn, endVpn, (vpn, pte) => {
      core.withPteLock(pte, () => {
        const bits = pt.readBits(pte);
        if (pteAction('madvise-free', pteKind(bits), proc.pid, vpn) === 'skip') return;
        const page = vmNormalPage(core, pt.readPfn(pte), bits, true);
        if (page === null) return;
        if (f.testFlag(page, PG.DIRTY)) {
          if (!f.trylockPage(page)) return;
          const shared = f.mapcount(page) !== 1; // a shared page's PG_dirty cannot be cleared
          if (!shared) f.clearFlag(page, PG.DIRTY);
          f.unlockPage(page);
          if (shared) return;
        }
        if (bits & (PTE_YOUNG | PTE_DIRTY)) pt.write(pte, page, bits & ~(PTE_YOUNG | PTE_DIRTY));
        if (markPageLazyfree(core, page)) lazy++;
      });
    });
    return lazy;
  });
}

/**
 * `mark_page_lazyfree`: an anonymous swap-backed RAM page on the LRU moves
 * to the inactive list without PG.SWAPBACKED (lazy-free: clean anonymous
 * memory reclaim may drop). ZONE_DEVICE pages are never on an LRU, so a
 * device page is never lazy-free. Returns whether the page was marked.
 */
export function markPageLazyfree(core: MmCore, pfn: number): boolean {
  const f = core.frames;
  if (f.pageType(pfn) !== PageType.SYSTEM_RAM) return false;
  const flags = f.flags(pfn);
  if (!(flags & PG.LRU) || !(flags & PG.ANON) || !(flags & PG.SWAPBACKED) || flags & (PG.SWAPCACHE | PG.UNEVICTABLE)) return false;
  const lru = core.lruOf(pfn);
  lru.del(pfn);
  f.clearFlag(pfn, PG.SWAPBACKED | PG.REFERENCED);
  lru.add(pfn, false);
  return true;
}

/** Returns whether `pfn` is a lazy-free page (anonymous, not swap-backed: `PageAnon && !PageSwapBacked`). */
export function isLazyfree(core: MmCore, pfn: number): boolean {
  const flags = core.frames.flags(pfn);
  return (flags & PG.ANON) !== 0 && (flags & PG.SWAPBACKED) === 0;
}
