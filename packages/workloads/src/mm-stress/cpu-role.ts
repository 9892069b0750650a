/**
 * The CPU-node side of the mm-stress workload: this node's processes run
 * random mm operations one at a time — mmap, write, fork, munmap, exit,
 * mprotect, madvise DONTNEED / FREE, lazy-free reclaim, memcg moves,
 * short- and long-term GUP pins, migrations to a device and back — while
 * the other CPU nodes do the same on their own workers and the device
 * drivers allocate, copy, free and evict device pages on theirs. After
 * every operation the data of every process is read back and the
 * invariant checker runs on this node's view; at the end every pin is
 * released, every process exits, and every page must be back.
 *
 * With caches (`caches: true`) the writes go through this node's coherent
 * cache, migrations flush their sources over the bus before the DMA, freed
 * frames wait for their lines to be invalidated, and the read-back reads
 * through the cache (see WorkerPageCoherence).
 *
 * Operations of one node are serialized (a node-wide mmap lock): an
 * operation that waits for a device (a migration, a device-private fault,
 * an eviction) holds the node until the reply. Concurrency is between
 * nodes: CPU nodes and device drivers run at once on their threads.
 *
 * The operations are the rows of the shared mm-stress table
 * (`MM_STRESS_TABLE` of @cdmsim/mm/testing, drawn with `runMmStressOp`),
 * run on this node through `MmStressCpuHost`; this role schedules them,
 * serves driver evictions between them and checks after each. Its plan
 * (`mmStressCpuPlan`: the table and the think time) is where a test-only
 * sabotage changes anything.
 */
import { CdmsimError, type MemNodeId, type Ps } from '@cdmsim/engine';
import type { CpuNodeSpec } from '@cdmsim/config';
import { checkInvariants, exitProcess, releaseUserPages, type MemcgId, type MmCore, type PageAllocator } from '@cdmsim/mm';
import { runMmStressAfterOp, runMmStressOp, zeroMmStressOps, type MmStressOp, type MmStressPinCounts } from '@cdmsim/mm/testing';
import type { NodeKernel } from '@cdmsim/kernel';
import type { AttachedDevice, Host, NodeMigrationStats, PageCaches } from '@cdmsim/platform';
import type { MmStressWorkloadSpec } from './config.js';
import { MmStressCpuHost } from './cpu-host.js';
import { mmStressCpuPlan, type MmStressCpuPlan } from './cpu-plan.js';
import { checkStressData, type CachedFirstWord } from './stress-data.js';

/** Base simulated cost of one mm operation besides its faults and messages (syscall entry, page-table walk). */
export const MM_OP_BASE_PS: Ps = 200_000;

/** Counters of one CPU node in an mm-stress run (plain data). */
export interface MmStressCpuStats {
  operations: Record<MmStressOp, number>;
  /** With caches: CPU loads of a page's first word through the cache, each checked against the last write. */
  cachedReads: number;
  /** Expected errno outcomes, keyed `op:ERRNO`. */
  expectedErrors: Record<string, number>;
  migrations: NodeMigrationStats;
  /** Pages migrated to public and to private device memory. */
  pagesToPublic: number;
  pagesToPrivate: number;
  /** CPU faults on device-private entries served by migrating the page back. */
  deviceFaults: number;
  /** Eviction requests from device drivers served, and pages they moved back. */
  evictionRequests: number;
  evictedPages: number;
  /** PageFree messages sent to drivers. */
  pageFreesSent: number;
  faults: number;
  cowCopies: number;
  lazyFreed: number;
  pins: MmStressPinCounts;
  /** Invariant + data checks run (one after every operation and at the end). */
  checks: number;
  /** Most RAM pages of this node in use at once (zero page excluded). */
  peakRamPages: number;
}

/** One CPU node's processes in the mm-stress workload: draws operations from its plan's table and schedules them, serves driver evictions in between, checks after each. */
export class MmStressCpu {
  readonly stats: MmStressCpuStats;
  readonly #kernel: NodeKernel;
  readonly #core: MmCore;
  readonly #spec: MmStressWorkloadSpec;
  readonly #checkedMemcgs: readonly MemcgId[];
  /** The node's processes, device memories, migrations and evictions. */
  readonly #platform: Host;
  /** This node's RAM allocator (a CPU node's MmCore owns exactly one). */
  readonly #ram: PageAllocator;
  /** The operation table's side of this node: processes, pins, the current activity. */
  readonly #host: MmStressCpuHost;
  readonly #plan: MmStressCpuPlan;
  readonly #coherence: PageCaches | null;
  readonly #cachedWord: CachedFirstWord | undefined;
  #busy = false;
  #finished = false;
  /** An 'mm op' timer is pending: at most one chain of operations runs, whatever evictions come in between. */
  #opTimerPending = false;

  /**
   * `host`: this node's processes on its MmCore, with the device memories
   * `devices` attached (in device order); `memcgChoices`: memcgs this
   * node's processes may join; `checkedMemcgs`:
   * those only this node charges (their counters are checked here).
   * `coherence`: with caches, this node's cache and page coherence (stores
   * go through the cache, DMA sources are flushed, data is read back
   * through the cache). `spec.testOnlySabotage` picks the plan
   * (`mmStressCpuPlan`). Throws CdmsimError if `core` does not own this
   * node's RAM.
   */
  constructor(
    kernel: NodeKernel,
    spec: MmStressWorkloadSpec,
    host: Host,
    devices: readonly AttachedDevice[],
    memcgChoices: readonly MemcgId[],
    checkedMemcgs: readonly MemcgId[],
    coherence: PageCaches | null = null,
  ) {
    const core = host.core;
    this.#kernel = kernel;
    this.#core = core;
    this.#spec = spec;
    this.#platform = host;
    this.#checkedMemcgs = checkedMemcgs;
    this.#coherence = coherence;
    this.#cachedWord = coherence ? (pfn) => coherence.node.cachedData(coherence.lines.lineOf(pfn)) : undefined;
    const ram = core.ram.get(kernel.self as number as MemNodeId);
    if (!ram) throw new CdmsimError(`node ${kernel.spec.name}: its MmCore does not own its RAM`);
    this.#ram = ram;
    this.stats = {
      operations: zeroMmStressOps(),
      cachedReads: 0,
      expectedErrors: {},
      migrations: host.migrations.stats,
      pagesToPublic: 0,
      pagesToPrivate: 0,
      deviceFaults: 0,
      evictionRequests: 0,
      evictedPages: 0,
      pageFreesSent: 0,
      faults: 0,
      cowCopies: 0,
      lazyFreed: 0,
      pins: { shortTerm: 0, longTerm: 0, pages: 0, released: 0 },
      checks: 0,
      peakRamPages: 0,
    };
    this.#host = new MmStressCpuHost({ kernel, spec, core, stats: this.stats, host, devices, memcgChoices, coherence });
    this.#plan = mmStressCpuPlan(spec.testOnlySabotage, { firstCpu: kernel.self === kernel.topology.cpus[0]?.id, opsPerCpu: spec.opsPerCpu });
    host.onEvictionRequest(() => this.#evictionRequest());
  }

  /** Schedules the first operation. */
  begin(): void {
    this.#kernel.reportWork(0, this.#spec.opsPerCpu);
    this.#scheduleOp(0);
  }

  /** Schedules the next operation `costPs` plus a think time from now, unless one is already scheduled. */
  #scheduleOp(costPs: Ps): void {
    if (this.#opTimerPending) return;
    this.#opTimerPending = true;
    this.#kernel.after(costPs + this.#plan.thinkPs(this.#host, this.#spec.maxThinkPs), 'mm op', () => {
      this.#opTimerPending = false;
      this.#next();
    });
  }

  #fail(message: string): never {
    return this.#host.fail(message);
  }

  /** Runs the next queued eviction or random operation, or the final release when all are done. */
  #next(): void {
    if (this.#busy) return;
    const eviction = this.#platform.takeEviction();
    if (eviction) {
      this.#busy = true;
      this.#host.current = 'evict';
      this.#platform.serveEviction(eviction, () => this.#opDone(0));
      return;
    }
    if (this.#host.opsStarted >= this.#spec.opsPerCpu) {
      if (!this.#finished) this.#releaseAll();
      return;
    }
    this.#busy = true;
    this.#host.opsStarted++;
    const faultsBefore = this.#core.stats.faults;
    runMmStressOp(this.#plan.table, this.#host, () => this.#opDone(this.#core.stats.faults - faultsBefore));
  }

  /** After an operation (or an eviction): the plan's after-operation steps, checks, then the next operation after its cost and a think time. */
  #opDone(faults: number): void {
    const activity = this.#host.current;
    if (activity === 'read') this.stats.cachedReads++;
    else if (activity !== 'evict' && activity !== 'release-all') this.stats.operations[activity]++;
    runMmStressAfterOp(this.#plan.table, this.#host);
    this.#check();
    this.#kernel.reportWork(this.#host.opsStarted, this.#spec.opsPerCpu);
    this.#busy = false;
    this.#scheduleOp(MM_OP_BASE_PS + faults * (this.#kernel.spec as CpuNodeSpec).faultLatencyPs);
  }

  #check(): void {
    const dataError = checkStressData(this.#core, this.#host.areas, this.#cachedWord);
    if (dataError) this.#fail(dataError);
    try {
      checkInvariants(this.#core, this.#kernel.seed, { memcgs: this.#checkedMemcgs, idleDevicePages: false });
    } catch (e) {
      this.#fail(e instanceof Error ? e.message : String(e));
    }
    this.stats.checks++;
    this.stats.peakRamPages = Math.max(this.stats.peakRamPages, this.ramPagesInUse);
  }

  /** RAM pages this node's processes hold (the zero page not counted). */
  get ramPagesInUse(): number {
    return this.#ram.allocatedCount() - (this.#core.ownsZeroPage ? 1 : 0);
  }

  /** A device driver's eviction request was queued on the host: serve it between operations (now, if the node is idle). */
  #evictionRequest(): void {
    if (!this.#busy) this.#kernel.after(0, 'mm evict', () => this.#next());
  }

  /**
   * After the last operation: releases every pin, exits every process, and
   * (once every freed frame's cached lines are invalidated and the frame is
   * back) checks that everything came back.
   */
  #releaseAll(): void {
    this.#host.current = 'release-all';
    this.#busy = true;
    for (const pin of this.#host.pins.splice(0)) releaseUserPages(this.#core, pin.pfns, { longterm: pin.longterm });
    for (const p of [...this.#host.areas.keys()]) exitProcess(this.#core, p);
    this.#host.areas.clear();
    if (this.#coherence) this.#coherence.pages.whenIdle(() => this.#checkAllBack());
    else this.#checkAllBack();
  }

  #checkAllBack(): void {
    this.#busy = false;
    this.#check();
    for (const h of this.#platform.heldDevicePages()) this.#fail(`${h.pages} pages of node ${h.device} still held after every process exited (e.g. pfn ${h.example})`);
    const used = this.ramPagesInUse;
    if (used !== 0) this.#fail(`${used} RAM pages still allocated after every process exited`);
    this.#finished = true;
    if (this.#platform.pendingEvictions) this.#next(); // requests that came in while the frames were being invalidated
  }

  /** Returns this node's counters; throws InvariantViolation if the run ended before the final release (a hang or lost message). */
  finish(): MmStressCpuStats {
    if (!this.#finished) this.#fail(`the run ended with ${this.#spec.opsPerCpu - this.#host.opsStarted} operations not started and ${this.#platform.migrations.inFlight} DMA requests unanswered`);
    const s = this.#core.stats;
    this.stats.faults = s.faults;
    this.stats.cowCopies = s.cowCopies;
    this.stats.lazyFreed = s.lazyFreed;
    const h = this.#platform.stats;
    this.stats.deviceFaults = h.deviceFaults;
    this.stats.evictionRequests = h.evictionRequests;
    this.stats.evictedPages = h.evictedPages;
    this.stats.pageFreesSent = this.#platform.pageFreesSent;
    return structuredClone(this.stats);
  }
}
