/** TEMPORARY (phase A of the layout split): the shared state each workload kind needs; replaced by the workload registry. */
import type { SimConfig } from '@cdmsim/config';
import { litmusLocations, litmusTest } from '@cdmsim/coherence';
import { memoryMap, PageLines, type SharedNeeds } from '@cdmsim/platform';

/** Memcg slots of an mm-stress run (root, shared, two per CPU node; the rest spare). */
export const MEMCG_COUNTER_SLOTS = 256;

export function sharedNeedsOf(config: SimConfig): SharedNeeds {
  const w = config.workload;
  if (w.kind === 'coherence-random') return { coherenceLines: w.lines };
  if (w.kind === 'litmus') return { coherenceLines: litmusLocations(litmusTest(w.test)).length };
  if (w.kind === 'mm-stress') return { memcgSlots: MEMCG_COUNTER_SLOTS, ...(w.caches ? { coherenceLines: new PageLines(config.topology, memoryMap(config.topology), w).count } : {}) };
  return {};
}
