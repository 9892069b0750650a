/** The optional shared-state parts a workload asked for (`SharedNeeds`), fetched with a clear error when missing. */
import { CdmsimError } from '@cdmsim/engine';
import type { AttachedState, SharedState } from '@cdmsim/platform';
import type { CoherenceWatch, MemcgCounters } from '@cdmsim/shm';

/**
 * Returns the run's coherence watch.
 * @throws CdmsimError naming `workload` when the run has none (its `sharedNeeds` did not ask for one: a programming error).
 */
export function coherenceWatchOf(shared: AttachedState | SharedState, workload: string): CoherenceWatch {
  if (!shared.coherence) throw new CdmsimError(`${workload} run without a coherence watch in the shared state`);
  return shared.coherence;
}

/**
 * Returns the run's shared memcg counters.
 * @throws CdmsimError naming `workload` when the run has none.
 */
export function memcgCountersOf(shared: AttachedState | SharedState, workload: string): MemcgCounters {
  if (!shared.memcgs) throw new CdmsimError(`${workload} run without memcg counters in the shared state`);
  return shared.memcgs;
}
