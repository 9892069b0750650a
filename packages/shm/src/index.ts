/**
 * @cdmsim/shm — every SharedArrayBuffer layout of a simulation: frame table,
 * page contents, page tables, locks, barrier, rings and doorbells. Every
 * shared object offers `handle()` (structured-cloneable) and `attach(handle)`.
 */
export * from './layout.js';
export * from './describe-layouts.js';
export * from './arena.js';
export * from './locks.js';
export * from './barrier.js';
export * from './memory-map.js';
export * from './frame-table.js';
export * from './content-store.js';
export * from './pte.js';
export * from './page-table.js';
export * from './doorbell.js';
export * from './ring.js';
export * from './run-control.js';
export * from './coherence-watch.js';
export * from './memcg-counters.js';
