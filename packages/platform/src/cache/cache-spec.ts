/**
 * The cache a coherence workload runs with: the topology's, or one shrunk
 * to a few lines so that replacements (and so PutM/PutE/PutS writebacks)
 * happen on the real machine, whose caches dwarf the tested lines.
 */
import type { CacheSpec } from '@cdmsim/config';

/**
 * Returns `cache`, or, when `cacheLines` is given, a cache of that many lines
 * in one fully associative set with the same line size and hit latency.
 */
export function shrunkCacheSpec(cache: CacheSpec, cacheLines: number | undefined): CacheSpec {
  if (cacheLines === undefined) return cache;
  return { sizeBytes: cacheLines * cache.lineBytes, ways: cacheLines, lineBytes: cache.lineBytes, hitLatencyPs: cache.hitLatencyPs };
}
