/**
 * A minimal reclaim hook (`shrink_page_list` for lazy-free pages only):
 * cdmsim has no swap, so the only anonymous memory reclaim can take is
 * lazy-free memory (MADV_FREE). Device memory is never scanned: it is not
 * on any LRU.
 */
import type { MemNodeId } from '@cdmsim/engine';
import { PTE_DIRTY, PG, pteKind, PteKind } from '@cdmsim/shm';
import { isLazyfree } from './madvise.js';
import type { MmCore } from './mm-core.js';
import { MmuNotifyEvent } from './mmu-notifier.js';
import { getPage, pageRemoveRmap, putPage } from './page-lifetime.js';
import { rmapWalk } from './rmap.js';

/** Counts of one reclaim pass. */
export interface ReclaimResult {
  /** Lazy-free pages unmapped and freed. */
  readonly freed: number;
  /** Lazy-free pages written again since MADV_FREE: made swap-backed again and activated. */
  readonly rescued: number;
  /** Pages skipped (locked, or referenced by more than their mappings, e.g. a GUP pin). */
  readonly busy: number;
}

/**
 * Scans the inactive LRU of RAM node `node` and drops up to `maxPages`
 * lazy-free pages: a page whose PG.DIRTY or any mapping PTE's dirty bit is
 * set was written after MADV_FREE and is rescued (PG.SWAPBACKED again,
 * active list); a clean one is unmapped from every PTE (mmu notifier CLEAR
 * per address space, rss and rmap dropped) and freed, so the next read
 * sees zeroes (`try_to_unmap_one` with a lazy-free page → discard). Caller
 * runs on the node's home agent and may take every mmap lock (quiescent).
 */
export function reclaimLazyFree(core: MmCore, node: MemNodeId, maxPages = Infinity): ReclaimResult {
  const f = core.frames;
  const pt = core.pageTables;
  const lru = core.lru.get(node);
  if (!lru) return { freed: 0, rescued: 0, busy: 0 };
  let freed = 0;
  let rescued = 0;
  let busy = 0;
  for (const pfn of lru.inactivePages()) {
    if (freed >= maxPages) break;
    if (!isLazyfree(core, pfn)) continue;
    if (!f.trylockPage(pfn)) {
      busy++;
      continue;
    }
    getPage(core, pfn); // isolate_lru_page's reference
    lru.del(pfn);
    const hits = rmapWalk(core, pfn);
    const dirty = f.testFlag(pfn, PG.DIRTY) || hits.some((h) => (pt.readBits(h.pte) & PTE_DIRTY) !== 0);
    if (dirty) {
      f.setFlag(pfn, PG.SWAPBACKED | PG.DIRTY);
      lru.add(pfn, true);
      rescued++;
    } else if (f.refcount(pfn) - 1 !== f.mapcount(pfn)) {
      lru.add(pfn, false); // a GUP reference or a racing user: keep
      busy++;
    } else {
      for (const h of hits) {
        h.proc.notifiers.around({ pid: h.proc.pid, startVpn: h.vpn, endVpn: h.vpn + 1, event: MmuNotifyEvent.CLEAR, owner: null }, () =>
          core.withPteLock(h.pte, () => {
            if (pteKind(pt.readBits(h.pte)) !== PteKind.PRESENT || pt.readPfn(h.pte) !== pfn) return;
            pt.clear(h.pte);
            h.proc.rss.dec(f, pfn);
            pageRemoveRmap(core, pfn);
            f.refDec(pfn); // the mapping's reference; ours keeps the page until the put below
          }),
        );
      }
      freed++;
    }
    f.unlockPage(pfn);
    putPage(core, pfn); // frees a discarded page (refcount 0)
  }
  core.stats.lazyFreed += freed;
  return { freed, rescued, busy };
}
