/**
 * @cdmsim/kernel/testing — fixtures for unit tests of model code that runs
 * on a kernel (not exported by the package's main entry).
 */
export { capturingKernel } from './capturing-kernel.js';
