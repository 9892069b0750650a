/**
 * @cdmsim/mm/testing — harnesses over the mm model, not part of it: a
 * whole machine's mm in one thread (`MmWorld`), the unit-test fixtures
 * (`makeWorld`, `mustMmap`, …), the mm-stress operation table every stress
 * runner draws from (`MM_STRESS_TABLE`, `runMmStressOp`, the host
 * interface and the sabotage transforms) and the seeded in-process stress
 * (`runMmStress`). The model (`@cdmsim/mm`) never imports from here.
 */
export * from './mm-world.js';
export * from './world-fixture.js';
export * from './stress-host.js';
export * from './stress-table.js';
export * from './stress-ops.js';
export * from './stress-sabotages.js';
export * from './world-stress-host.js';
export * from './stress.js';
