/**
 * Config pieces shared by the workloads that test the coherence protocol
 * on the real bus (coherence-random, litmus): the watchdog threshold field,
 * the cache-shrinking field, and the machine check they both need (one line
 * size in every cache, at most MAX_COHERENCE_NODES nodes).
 */
import { z } from 'zod';
import { formatBytes, type FieldPath, type ParsedMachine, type PathIssue } from '@cdmsim/config';

/** Most nodes a coherence workload supports (the cross-worker checker keeps one reader bit per node). */
export const MAX_COHERENCE_NODES = 24;
/** Largest `cacheLines` of a coherence workload (a fully associative cache is searched linearly). */
export const MAX_COHERENCE_CACHE_LINES = 1024;

/** The coherence watchdog's threshold field. */
export const watchdogPsField = () =>
  z
    .number()
    .int()
    .positive()
    .optional()
    .describe('A coherence transaction of a node (load, store, recall or writeback) outstanding for this many simulated picoseconds fails the run as a deadlock or livelock, listing the stuck transactions, their lines\' states and the seed; default: derived from the topology (nodes × 1000 × one miss across the longest path).');

/** The field that shrinks every node's cache to a few lines (`description` says what for). */
export const cacheLinesField = (description: string) => z.number().int().positive().max(MAX_COHERENCE_CACHE_LINES).optional().describe(description);

/** Returns the problems of `machine` for the coherence workload `kind`: caches with different line sizes, too many nodes. */
export function checkCoherenceMachine(machine: ParsedMachine, kind: string): PathIssue[] {
  const issues: PathIssue[] = [];
  const caches = [
    ...machine.cpus.map((c, i) => ({ path: ['cpus', i, 'cache', 'lineSize'] as FieldPath, name: c.name, lineSize: c.cache.lineSize })),
    ...machine.devices.map((d, i) => ({ path: ['devices', i, 'cache', 'lineSize'] as FieldPath, name: d.name, lineSize: d.cache.lineSize })),
  ];
  const first = caches[0];
  for (const c of caches) {
    if (first && c.lineSize !== first.lineSize) {
      issues.push({ path: c.path, message: `the ${kind} workload needs one line size in every cache: ${c.name} has ${formatBytes(c.lineSize)}, ${first.name} has ${formatBytes(first.lineSize)}` });
    }
  }
  if (caches.length > MAX_COHERENCE_NODES) issues.push({ path: ['workload', 'kind'], message: `the ${kind} workload supports at most ${MAX_COHERENCE_NODES} nodes (got ${caches.length})` });
  return issues;
}
