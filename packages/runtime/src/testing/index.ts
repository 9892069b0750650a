/** @cdmsim/runtime/testing: fixtures for tests and benchmarks (a loopback redis-server); not part of the library API. */
export { startLoopbackRedis, startUntilReady, freeLoopbackPort, REDIS_SERVER, type LoopbackRedis } from './redis-server.js';
