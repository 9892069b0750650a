/**
 * TEST ONLY: the mm-stress sabotages that break page coherence, each a
 * transformation of a node's page-coherence hooks (never a branch in the
 * platform): the node's users — the memory manager, its migrations and its
 * driver — get the wrapped hooks.
 *  - `skip-dma-flush`: a DMA engine copies pages without their cached lines
 *    being recalled first (no flush before the copy, no recall at the
 *    copying device);
 *  - `skip-free-invalidate`: a freed frame this node is home of goes back
 *    to its allocator or pool without its cached lines being invalidated.
 */
import type { BusPageCoherence } from '@cdmsim/platform';
import type { MmStressSabotageName } from './config.js';

/** Returns hooks that run `pages` except where `overrides` says otherwise. */
function wrap(pages: BusPageCoherence, overrides: Partial<Pick<BusPageCoherence, 'flushForDma' | 'recallAtHome' | 'invalidatePage'>>): BusPageCoherence {
  return {
    get stats() {
      return pages.stats;
    },
    get idle() {
      return pages.idle;
    },
    whenIdle: (done) => pages.whenIdle(done),
    flushPage: (pfn) => pages.flushPage(pfn),
    copyPageByCpu: (src, dst) => pages.copyPageByCpu(src, dst),
    flushForDma: overrides.flushForDma ?? ((pfns, copier, done) => pages.flushForDma(pfns, copier, done)),
    recallAtHome: overrides.recallAtHome ?? ((pfns, done) => pages.recallAtHome(pfns, done)),
    invalidatePage: overrides.invalidatePage ?? ((pfn, release) => pages.invalidatePage(pfn, release)),
  };
}

/** The page-coherence transform of each sabotage that has one. */
export const PAGE_COHERENCE_SABOTAGES: Partial<Record<MmStressSabotageName, (pages: BusPageCoherence, isHome: (pfn: number) => boolean) => BusPageCoherence>> = {
  'skip-dma-flush': (pages) =>
    wrap(pages, {
      flushForDma: (_pfns, _copier, done) => done(),
      recallAtHome: (_pfns, done) => done(0),
    }),
  'skip-free-invalidate': (pages, isHome) =>
    wrap(pages, {
      invalidatePage: (pfn, release) => (isHome(pfn) ? release() : pages.invalidatePage(pfn, release)),
    }),
};
