/**
 * @cdmsim/mm — the page lifecycle of the CDM/HMM patches over the shared
 * frame table and page tables: memories, devmem registration, processes and
 * VMAs, faults, migrate_vma, page lifetime, memcg and rss, invariants.
 */
export * from './errno.js';
export * from './memory-node.js';
export * from './page-allocator.js';
export * from './lru.js';
export * from './rss.js';
export * from './memcg.js';
export * from './mmu-notifier.js';
export * from './vma.js';
export * from './page-cache.js';
export * from './devmem.js';
export * from './device-page-pool.js';
export * from './mm-core.js';
export * from './page-lifetime.js';
export * from './vm-normal-page.js';
export * from './pte-transitions.js';
export * from './address-space.js';
export * from './filemap.js';
export * from './zap.js';
export * from './fault.js';
export * from './access.js';
export * from './rmap.js';
export * from './migrate-vma.js';
export * from './hmm-range-fault.js';
export * from './dmirror-driver.js';
export * from './invariants.js';
export * from './fork.js';
export * from './mprotect.js';
export * from './madvise.js';
export * from './reclaim.js';
export * from './gup.js';
export * from './memcg-move.js';
export * from './oom-kill.js';
export * from './pagemap.js';
export * from './devmem-remove.js';
export * from './device-exclusive.js';
