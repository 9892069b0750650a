export * from './time.js';
export * from './ids.js';
export * from './errors.js';
export * from './hash.js';
export * from './rng.js';
export * from './event-queue.js';
