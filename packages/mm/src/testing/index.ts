/**
 * @cdmsim/mm/testing — harnesses over the mm model, not part of it: a
 * whole machine's mm in one thread (`MmWorld`), the unit-test fixtures
 * (`makeWorld`, `mustMmap`, …) and the seeded in-process stress
 * (`runMmStress`). The model (`@cdmsim/mm`) never imports from here.
 */
export * from './mm-world.js';
export * from './world-fixture.js';
export * from './stress.js';
