/**
 * The mm-stress workload: the memory manager (@cdmsim/mm) stressed across
 * the node workers. Processes on every CPU node run random mm operations
 * (mmap, write, fork, munmap, exit, mprotect, madvise, reclaim, memcg moves,
 * GUP pins, migrations to device memory and back) while device drivers
 * allocate, copy, free and evict device pages; data and invariants are
 * checked after every operation and at the end. With `caches`, CPU stores
 * go through MOESI caches over the bus.
 */
import { memoryMap, PageLines } from '@cdmsim/platform';
import { memcgCountersOf } from '../shared/shared-parts.js';
import { defineWorkload } from '../workload.js';
import { mmStressConfigKind, type MmStressWorkloadSpec } from './config.js';
import { mmStressOutcome, type MmStressRunOutcome } from './outcome.js';
import { MmStressRole, type MmStressNodeReport } from './role.js';

export { MM_STRESS, MM_STRESS_SABOTAGE_NAMES, type MmStressSabotageName, type MmStressWorkloadSpec } from './config.js';
export type { MmStressRunOutcome, MmStressCpuOutcome, MmStressDeviceOutcome, MmStressCoherenceOutcome } from './outcome.js';
export type { MmStressNodeReport } from './role.js';
export type { MmStressCpuStats } from './cpu-role.js';
export { MM_STRESS_SOURCE, MM_STRESS_TOPOLOGY_YAML } from './machine.js';

/** Memcg slots of an mm-stress run (root, shared, two per CPU node; the rest spare). */
export const MEMCG_COUNTER_SLOTS = 256;

/** The mm-stress workload, as registered. */
export const mmStress = defineWorkload<MmStressWorkloadSpec, MmStressNodeReport, MmStressRunOutcome>({
  config: mmStressConfigKind,
  sharedNeeds: (config) => ({
    memcgSlots: MEMCG_COUNTER_SLOTS,
    ...(config.workload.caches ? { coherenceLines: new PageLines(config.topology, memoryMap(config.topology), config.workload).count } : {}),
  }),
  createRole: (env, spec) => new MmStressRole(env, spec),
  outcome: (config, shares, shared) => mmStressOutcome(config, shares, memcgCountersOf(shared, config.workload.kind)),
  describe(w) {
    const ops = Object.values(w.operations).reduce((a, b) => a + b, 0) + w.cachedReads;
    const c = w.coherence;
    const caches = c ? `; caches: ${w.cachedReads} checked loads, ${c.misses} misses, ${c.writebacks} writebacks, ${c.messages} coherence messages, ${c.pagesRecalled} pages recalled before DMA or reuse (${c.linesRecalled} cached lines), ${c.framesHeld} freed frames held until invalidated` : '; no caches modelled';
    return `mm-stress: ${ops} operations on ${w.perCpu.length} CPU nodes with ${w.perDevice.length} device drivers; pages to public ${w.pagesToPublic}, to private ${w.pagesToPrivate}, back to RAM ${w.pagesToRam} (${w.deviceFaults} device-private faults, ${w.evictedPages} evicted); ${w.dmaRequests} DMA requests, ${w.pageFrees} page_free${caches}`;
  },
  describeCheck: (w) => `passed (${w.checks} data + invariant checks on the CPU nodes${w.coherence ? ', data read through the CPU caches, SWMR and data values checked across workers' : ''}; every device page idle and every memcg at zero at the end)`,
});
