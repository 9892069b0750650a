/**
 * The mm-stress workload's role on one node. Every node gets the node's
 * MmCore over the shared page state (a CPU node owns its RAM, capped at
 * `ramPagesPerCpu`; a device owns none) and, with `caches`, its coherent
 * cache and the directory of its memory with the page-coherence hooks. A CPU
 * node then attaches every device's memory to its host (the driver's
 * pagemap callbacks as bus messages) and runs its processes (`MmStressCpu`); a device runs its driver
 * (`DeviceDriver`).
 */
import {
  createNodeMm,
  createPageCaches,
  DeviceDriver,
  finishPageCaches,
  Host,
  PageLines,
  shrunkCacheSpec,
  type DriverStats,
  type NodeEnv,
  type PageCaches,
  type PageCachesReport,
} from '@cdmsim/platform';
import { MmStressCpu, type MmStressCpuStats } from './cpu-role.js';
import type { MmStressWorkloadSpec } from './config.js';
import { createStressMemcgs, memcgChoices } from './memcgs.js';
import { PAGE_COHERENCE_SABOTAGES } from './page-coherence-sabotages.js';
import { coherenceWatchOf, memcgCountersOf } from '../shared/shared-parts.js';
import type { WorkloadRole } from '../workload.js';

/** One node's share of an mm-stress run: its processes (CPU node) or its driver (device), and its caches' report. */
export interface MmStressNodeReport {
  readonly cpu?: MmStressCpuStats;
  readonly device?: DriverStats;
  readonly coherence?: PageCachesReport;
}

/** The mm-stress workload on one node. */
export class MmStressRole implements WorkloadRole<MmStressNodeReport> {
  readonly #env: NodeEnv;
  readonly #cpu: MmStressCpu | undefined;
  readonly #device: DeviceDriver | undefined;
  readonly #caches: PageCaches | undefined;
  readonly #framesInUse: () => number;

  /** Builds the node's mm, caches and processes or driver, and schedules the first operation of a CPU node. */
  constructor(env: NodeEnv, spec: MmStressWorkloadSpec) {
    this.#env = env;
    const { kernel, config } = env;
    const { topology } = config;
    const self = kernel.self;
    const { frames, pageTables, content } = env.shared;
    const core = createNodeMm(topology, self, { frames, pageTables, content, memcgCounters: memcgCountersOf(env.shared, spec.kind) }, spec.ramPagesPerCpu);
    const memcgs = createStressMemcgs(core, topology, spec.memcgLimitPages);
    if (spec.caches) {
      const transform = spec.testOnlySabotage === undefined ? undefined : PAGE_COHERENCE_SABOTAGES[spec.testOnlySabotage];
      this.#caches = createPageCaches(kernel, {
        topology,
        core,
        watch: coherenceWatchOf(env.shared, spec.kind),
        lines: new PageLines(topology, core.frames.map.memories, spec),
        cache: shrunkCacheSpec(kernel.spec.cache, spec.cacheLines),
        mode: env.mode,
        ...(transform ? { transform } : {}),
      });
    }
    const caches = this.#caches ?? null;
    if (kernel.spec.kind === 'cpu') {
      const host = new Host(kernel, core, this.#caches ? { caches: this.#caches } : {});
      const devices = topology.devices.map((d) => host.attachDevice(d.id, spec.devicePages));
      const mine = memcgs.perCpu.get(self)!;
      const cpu = new MmStressCpu(kernel, spec, host, devices, memcgChoices(memcgs, self), [mine.own, mine.limited], caches);
      this.#cpu = cpu;
      this.#framesInUse = () => cpu.ramPagesInUse + (core.ownsZeroPage ? 1 : 0);
      cpu.begin();
    } else {
      const device = new DeviceDriver(kernel, core, {
        devicePages: spec.devicePages,
        evictBelowFreePages: spec.evictBelowFreePages,
        mirrorTables: env.shared.mirrorTables,
        memory: env.memory,
        ...(this.#caches ? { caches: this.#caches } : {}),
      });
      this.#device = device;
      this.#framesInUse = () => device.inUse;
    }
  }

  framesInUse(): number {
    return this.#framesInUse();
  }

  /**
   * Returns this node's counters.
   * @throws InvariantViolation when a CPU node did not finish its operations, a device page is still in use, or a page recall is still pending; DeadlockError when a coherence transaction is still open.
   */
  finish(): MmStressNodeReport {
    const cpu = this.#cpu?.finish();
    const device = this.#device?.finish();
    const coherence = this.#caches ? finishPageCaches(this.#caches, this.#env.kernel.spec.name, this.#env.kernel.seed) : undefined;
    return { ...(cpu ? { cpu } : {}), ...(device ? { device } : {}), ...(coherence ? { coherence } : {}) };
  }
}
