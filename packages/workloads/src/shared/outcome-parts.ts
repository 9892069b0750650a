/**
 * Pieces every workload outcome builds from its nodes' reports: summing
 * per-node count records, and the final state of the run's coherence watch.
 */
import { RunningHash } from '@cdmsim/engine';
import type { CoherenceWatch } from '@cdmsim/shm';

/** Returns the key-wise sum of `records`, keys sorted (so the outcome's JSON does not depend on report order). */
export function sumCounts(records: Iterable<Readonly<Record<string, number>>>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const r of records) for (const [k, n] of Object.entries(r)) total[k] = (total[k] ?? 0) + n;
  return Object.fromEntries(Object.entries(total).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Returns the digest of every watched line's last value and the watch's
 * violation count; appends a problem to `problems` when there were any.
 * Call once every worker has finished.
 */
export function watchFinal(watch: CoherenceWatch, problems: string[]): { dataHash: string; violations: number } {
  const hash = new RunningHash();
  for (let i = 0; i < watch.lines; i++) hash.add(watch.lastValue(i));
  const violations = watch.violations();
  if (violations > 0) problems.push(`${violations} invariant violations`);
  return { dataHash: hash.hex(), violations };
}
