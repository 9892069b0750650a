/**
 * The mm-stress workload's config section: the memory manager stressed
 * across node workers (processes on every CPU node, drivers on devices).
 */
import { z } from 'zod';
import { nsToPs, type Ps } from '@cdmsim/engine';
import { defineWorkloadConfig, psAsNs, type PathIssue, type WorkloadSpec } from '@cdmsim/config';
import { MAX_COHERENCE_CACHE_LINES } from '../shared/coherence-config.js';

/** The kind of this workload in config files. */
export const MM_STRESS = 'mm-stress';

/**
 * TEST ONLY: rules the mm-stress workload can break on purpose so tests can
 * check that its checks catch them. `racy-shared-read` breaks determinism the
 * way model code would by mistake: each CPU node's think time reads the root
 * memcg's usage, which the other CPU node charges in the same round.
 * `skip-dma-flush` lets DMA engines copy pages without recalling their
 * cached lines first; `skip-free-invalidate` hands freed frames back without
 * invalidating cached copies of their lines (both need `caches`).
 */
export const MM_STRESS_SABOTAGE_NAMES = ['skip-put-page', 'corrupt-rss', 'racy-shared-read', 'skip-dma-flush', 'skip-free-invalidate'] as const;

/** A rule the mm-stress workload can break on purpose (tests only). */
export type MmStressSabotageName = (typeof MM_STRESS_SABOTAGE_NAMES)[number];

/** Sabotages that break page coherence, and so need `caches`. */
const CACHE_SABOTAGES: readonly MmStressSabotageName[] = ['skip-dma-flush', 'skip-free-invalidate'];

/** The mm stress across node workers. */
export interface MmStressWorkloadSpec extends WorkloadSpec {
  readonly kind: typeof MM_STRESS;
  /** Random mm operations each CPU node runs. */
  readonly opsPerCpu: number;
  /** Most live processes per CPU node. */
  readonly processesPerCpu: number;
  /** RAM pages each CPU node's allocator hands out. */
  readonly ramPagesPerCpu: number;
  /** Device pages each device's driver registers. */
  readonly devicePages: number;
  /** Limit of each CPU node's limited memcg, in pages. */
  readonly memcgLimitPages: number;
  /** A driver evicts when fewer of its pages than this are free (0 = never). */
  readonly evictBelowFreePages: number;
  /** Think time between a CPU node's operations is drawn from [0, maxThinkPs]. */
  readonly maxThinkPs: Ps;
  /** Model coherent caches (CPU stores through the cache, flush before DMA, invalidate before reuse). */
  readonly caches: boolean;
  /** Lines of every node's cache with `caches` (one fully associative set). */
  readonly cacheLines: number;
  /** TEST ONLY: break one rule mid-run. */
  readonly testOnlySabotage?: MmStressSabotageName;
}

const fields = {
  opsPerCpu: z.number().int().positive().max(1_000_000).default(300).describe('Random mm operations each CPU node runs (mmap, write, fork, munmap, mprotect, madvise, migrations, pins, memcg moves, exit).'),
  processesPerCpu: z.number().int().positive().max(64).default(3).describe('Most live processes on each CPU node at once.'),
  ramPagesPerCpu: z.number().int().min(16).max(1 << 20).default(192).describe('RAM pages each CPU node\'s allocator hands out (small, so RAM pressure and memcg limits are reached).'),
  devicePages: z.number().int().min(4).max(1 << 20).default(48).describe('Device pages each device\'s driver registers (hmm_devmem_add / add_resource).'),
  memcgLimitPages: z.number().int().positive().default(80).describe('Limit of the limited memcg each CPU node\'s processes may be in.'),
  evictBelowFreePages: z.number().int().min(0).default(4).describe('A device\'s driver asks the CPU nodes to migrate its pages back to RAM when fewer than this many of its pages are free (0 = never evict).'),
  maxThinkNs: z.number().min(0).default(200).describe('Think time between a CPU node\'s operations, drawn from [0, maxThinkNs] nanoseconds.'),
  caches: z.boolean().default(true).describe('Model the coherent caches: CPU stores of the stress go through the CPU node\'s cache (MOESI over the bus, line by line to device-public memory), DMA copies recall the source pages\' lines first and freed frames are reused only once every cached copy of their lines is invalidated. false: no caches, page contents are always current.'),
  cacheLines: z.number().int().positive().max(MAX_COHERENCE_CACHE_LINES).default(4).describe('With caches: every node\'s cache has this many lines (one fully associative set; the topology\'s line size and hit latency), few enough that writebacks cross the bus.'),
  testOnlySabotage: z.enum(MM_STRESS_SABOTAGE_NAMES).optional().describe('TEST ONLY: break one rule mid-run (a leaked page reference, a wrong rss counter, a read of state another worker writes in the same round) or throughout (DMA without flushing cached lines, freed frames reused without invalidating them) so tests can check the checks fail.'),
};

/** The config section of the mm-stress workload. */
export const mmStressConfigKind = defineWorkloadConfig<MmStressWorkloadSpec, typeof fields>({
  kind: MM_STRESS,
  description: 'The mm stress on the real simulator: processes on every CPU node mmap, write, fork, munmap, mprotect, madvise, pin, move memcgs, migrate to and from device memory and exit, while device drivers allocate, free and evict device pages; data and invariants are checked after every operation and at the end.',
  fields,
  check(machine, w) {
    const issues: PathIssue[] = [];
    if (!w.caches && w.testOnlySabotage !== undefined && CACHE_SABOTAGES.includes(w.testOnlySabotage)) {
      issues.push({ path: ['workload', 'testOnlySabotage'], message: `${w.testOnlySabotage} needs caches: true` });
    }
    machine.cpus.forEach((c, i) => {
      const pages = Math.floor(c.dram.size / machine.pageSize);
      if (pages < w.ramPagesPerCpu) issues.push({ path: ['cpus', i, 'dram', 'size'], message: `holds ${pages} pages, fewer than workload.ramPagesPerCpu ${w.ramPagesPerCpu}` });
    });
    machine.devices.forEach((d, i) => {
      const pages = Math.floor(d.memory.size / machine.pageSize);
      if (pages < w.devicePages) issues.push({ path: ['devices', i, 'memory', 'size'], message: `holds ${pages} pages, fewer than workload.devicePages ${w.devicePages}` });
    });
    return issues;
  },
  resolve(w) {
    return {
      kind: MM_STRESS,
      opsPerCpu: w.opsPerCpu,
      processesPerCpu: w.processesPerCpu,
      ramPagesPerCpu: w.ramPagesPerCpu,
      devicePages: w.devicePages,
      memcgLimitPages: w.memcgLimitPages,
      evictBelowFreePages: w.evictBelowFreePages,
      maxThinkPs: nsToPs(w.maxThinkNs),
      caches: w.caches,
      cacheLines: w.cacheLines,
      ...(w.testOnlySabotage !== undefined ? { testOnlySabotage: w.testOnlySabotage } : {}),
    };
  },
  document(spec) {
    return {
      opsPerCpu: spec['opsPerCpu'],
      processesPerCpu: spec['processesPerCpu'],
      ramPagesPerCpu: spec['ramPagesPerCpu'],
      devicePages: spec['devicePages'],
      memcgLimitPages: spec['memcgLimitPages'],
      evictBelowFreePages: spec['evictBelowFreePages'],
      maxThinkNs: psAsNs(spec['maxThinkPs']),
      caches: spec['caches'],
      cacheLines: spec['cacheLines'],
      testOnlySabotage: spec['testOnlySabotage'],
    };
  },
});
