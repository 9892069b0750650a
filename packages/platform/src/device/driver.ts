/**
 * A device's driver on the device's worker, the one driver every workload
 * uses: its device memory (a dmirror-like DmirrorDriver: `hmm_devmem_add`
 * or `_add_resource`, the page pool, `page_free`), its DMA copy engine, its
 * evictions, and its MMU with the mirror page tables (`mmu`, see
 * DeviceMmu). It serves DMA requests of CPU nodes — `alloc_and_copy` of a
 * migration to this device (allocate a page per source, copy, reply with
 * the pfns) and copies of its pages back to RAM for migrations, faults and
 * evictions — takes pages back on PageFree (`page_free`), and asks the CPU
 * nodes holding its pages to migrate some back to RAM when it runs short
 * (driver eviction, as the seed's discussion describes).
 */
import { CdmsimError, InvariantViolation, type MemNodeId, type NodeId, type Ps } from '@cdmsim/engine';
import type { DeviceNodeSpec } from '@cdmsim/config';
import type { PageTables } from '@cdmsim/shm';
import { checkInvariants, DmirrorDriver, Errno, type MmCore } from '@cdmsim/mm';
import type { cdmsim, EnvelopeData } from '@cdmsim/proto';
import { PendingReplies, type NodeKernel } from '@cdmsim/kernel';
import { deviceResource } from '../mm/node-mm.js';
import type { PageCaches } from '../cache/page-caches.js';
import type { MemoryRanges } from '../memory/memory-map.js';
import { DeviceMmu } from './device-mmu.js';
import { DeviceFaultBuffer, type DeviceFaultPolicy } from './device-fault-buffer.js';
import { MirrorTable } from './mirror-table.js';
import { DeviceMigrations } from './device-migrations.js';

/** Pages one eviction request asks a CPU node to migrate back. */
export const EVICT_BATCH_PAGES = 8;

/** Counters of one device's driver (plain data). */
export interface DriverStats {
  /** Pages allocated for migrations to this device (`alloc_and_copy`). */
  allocated: number;
  /** Destination pages declined (memory full, or the source already lives here). */
  declined: number;
  /** Pages copied by this device's DMA engine (both directions); a page allocated for an empty slot (first touch) is zeroed in place, not copied. */
  pagesCopied: number;
  /** `page_free` calls received. */
  pageFrees: number;
  /** Eviction requests sent to CPU nodes, and pages they named. */
  evictionRequests: number;
  evictionPagesRequested: number;
  /** Pages the CPU nodes migrated back to RAM for those requests. */
  evictedPages: number;
  /** Most pages of this device in use at once. */
  peakInUse: number;
}

/** How a device's driver manages its memory, and what it is built on. */
export interface DriverOptions {
  /** Pages of the device's memory the driver registers (`hmm_devmem_add` / `_add_resource`): its first N frames; default all. */
  readonly devicePages?: number;
  /** The driver asks CPU nodes to migrate its pages back to RAM when fewer than this many are free (0 = never evict). */
  readonly evictBelowFreePages: number;
  /** The run's shared mirror page tables (the device's mirrors live there). */
  readonly mirrorTables: PageTables;
  /** The device's mirror (default: a MirrorTable on `mirrorTables`); a test may hand in a transformed one. */
  readonly mirror?: MirrorTable;
  /** Every memory of the machine (the MMU sends each access to its page's home). */
  readonly memory: MemoryRanges;
  /** With caches: this device's page caches (its directory is the home of its pages' lines). */
  readonly caches?: PageCaches;
  /** What a device fault does with its page (default `map`: map it where it is). */
  readonly onDeviceFault?: DeviceFaultPolicy;
}

/** One device's driver. */
export class DeviceDriver {
  readonly stats: DriverStats = { allocated: 0, declined: 0, pagesCopied: 0, pageFrees: 0, evictionRequests: 0, evictionPagesRequested: 0, evictedPages: 0, peakInUse: 0 };
  readonly #kernel: NodeKernel;
  readonly #core: MmCore;
  readonly #options: DriverOptions;
  /** One-shot: decline the next destination allocation (`failNextAlloc`). */
  #failAlloc = false;
  readonly #driver: DmirrorDriver;
  readonly #pageSize: number;
  /** CPU node holding each page this driver handed out (insertion order = allocation order). */
  readonly #holder = new Map<number, NodeId>();
  readonly #coherence: PageCaches | null;
  #evicting = false;
  readonly #evictions: PendingReplies;
  /** The device's MMU: its mirrors and its accesses through them. */
  readonly mmu: DeviceMmu;
  /** The driver's range migration requests (migrate hints, migrate on fault, the test device's migrate commands). */
  readonly migrations: DeviceMigrations;
  /** The device's fault buffer: accesses the mirror cannot serve, serviced in batches (`accessOrFault`). */
  readonly faults: DeviceFaultBuffer;

  /**
   * Registers this device's memory in `core` (the device worker's MmCore)
   * and the message handlers on `kernel`. With `options.caches`, this
   * device's directory is the home of its pages' lines: it recalls them
   * before its DMA engine reads them and before a freed page is reused.
   * @throws CdmsimError when the memory cannot be registered (a setup bug).
   */
  constructor(kernel: NodeKernel, core: MmCore, options: DriverOptions) {
    this.#kernel = kernel;
    this.#coherence = options.caches ?? null;
    this.#core = core;
    this.#options = options;
    this.#pageSize = kernel.topology.pageSizeBytes;
    this.#driver = new DmirrorDriver(core, kernel.self as number as MemNodeId);
    const { kind, resource } = deviceResource(core, kernel.self, options.devicePages);
    const r = kind === 'public' ? this.#driver.addResource(resource) : this.#driver.addPrivate(resource.frameCount);
    if (r !== Errno.OK) throw new CdmsimError(`node ${kernel.spec.name}: registering its ${kind} memory failed: ${Errno[r]}`);
    kernel.on('dmaCopy', 'driver', (env) => this.#dmaCopy(env));
    kernel.on('pageFree', 'driver', (env) => this.#pageFree(env));
    this.#evictions = new PendingReplies(kernel, 'migrateDone', 'driver');
    this.migrations = new DeviceMigrations(kernel);
    this.mmu = new DeviceMmu(kernel, options.mirror ?? new MirrorTable(options.mirrorTables), options.memory, core.zeroPfn);
    this.faults = new DeviceFaultBuffer(kernel, this.mmu, this.migrations, options.onDeviceFault);
  }

  /** DMA time of `pages` pages: the device's setup latency plus the bytes at its copy bandwidth. */
  /** Pages of this device handed out and not yet freed. */
  get inUse(): number {
    return this.#holder.size;
  }

  #dmaPs(pages: number): Ps {
    const spec = this.#kernel.spec as DeviceNodeSpec;
    return spec.faultLatencyPs + Math.ceil((pages * this.#pageSize * 1000) / spec.copyBandwidthBytesPerNs);
  }

  /** A DMA request: with caches, the sources this device is home of are recalled first (the requester flushed the others). */
  /**
   * The test device's `HMM_DMIRROR_FLAG_FAIL_ALLOC`: the next destination
   * page this driver is asked to allocate is not allocated (the page is
   * declined and stays where it is), once.
   */
  failNextAlloc(): void {
    this.#failAlloc = true;
  }

  #dmaCopy(env: cdmsim.Envelope | EnvelopeData): void {
    const c = this.#coherence;
    if (!c) return this.#copy(env);
    const self = this.#kernel.self;
    const mine = (env.dmaCopy!.srcPfns ?? []).filter((s) => s !== 0 && c.lines.homeOfPage(s) === self);
    c.pages.recallAtHome(mine, () => this.#copy(env));
  }

  #copy(env: cdmsim.Envelope | EnvelopeData): void {
    const req = env.dmaCopy!;
    const src = req.srcPfns ?? [];
    const content = this.#core.content;
    const requester = env.src as NodeId;
    let dst: number[];
    if (req.allocDst) {
      const pool = this.#driver.pool;
      dst = src.map((s) => {
        if (s !== 0 && this.#core.frames.memNode(s) === (this.#kernel.self as number)) {
          this.stats.declined++; // already here
          return 0;
        }
        const d = this.#failAlloc ? null : pool.alloc();
        this.#failAlloc = false;
        if (d === null) {
          this.stats.declined++;
          return 0;
        }
        if (s !== 0) content.copyPage(s, d);
        this.#holder.set(d, requester);
        this.stats.allocated++;
        return d;
      });
      this.stats.peakInUse = Math.max(this.stats.peakInUse, this.#holder.size);
    } else {
      dst = req.dstPfns ?? [];
      if (dst.length !== src.length) throw new InvariantViolation(`node ${this.#kernel.spec.name}: dmaCopy from node ${requester} has ${src.length} sources and ${dst.length} destinations`, this.#kernel.seed);
      for (let i = 0; i < src.length; i++) content.copyPage(src[i]!, dst[i]!);
    }
    // A destination without a source (an empty slot: first touch) is a fresh zeroed page, allocated in place: nothing crosses the bus for it.
    const copied = req.allocDst ? dst.filter((d, i) => d !== 0 && src[i] !== 0).length : src.length;
    this.stats.pagesCopied += copied;
    const reply: EnvelopeData['dmaCopyDone'] = req.allocDst ? { pages: dst.filter((d) => d !== 0).length, dstPfns: dst } : { pages: copied, dataBytes: copied * this.#pageSize };
    const txn = env.txn ?? 0;
    this.#kernel.after(this.#dmaPs(copied), 'dma copy', () => this.#kernel.send(requester, { txn, dmaCopyDone: reply }));
    if (req.allocDst) this.#maybeEvict();
  }

  #pageFree(env: cdmsim.Envelope | EnvelopeData): void {
    const pfn = env.pageFree!.pfn ?? 0;
    if (this.#holder.get(pfn) !== env.src) throw new InvariantViolation(`node ${this.#kernel.spec.name}: page_free of pfn ${pfn} from node ${env.src}, which does not hold it`, this.#kernel.seed);
    this.#holder.delete(pfn);
    this.stats.pageFrees++;
    if (!this.#coherence) return this.#driver.pageFree(pfn);
    // The frame goes back to the pool only once no cache keeps a line of it; what the recall wrote home is dropped.
    this.#coherence.pages.invalidatePage(pfn, () => {
      this.#core.withPageLock(pfn, () => this.#core.content.release(pfn));
      this.#driver.pageFree(pfn);
    });
  }

  /** Asks the CPU node holding the oldest pages to migrate up to EVICT_BATCH_PAGES of them back to RAM, when free pages ran low. */
  #maybeEvict(): void {
    const below = this.#options.evictBelowFreePages;
    if (below === 0 || this.#evicting || this.#driver.pool.freeCount() >= below) return;
    const first = this.#holder.entries().next().value;
    if (!first) return;
    const cpu = first[1];
    const pfns: number[] = [];
    for (const [pfn, holder] of this.#holder) {
      if (holder !== cpu) continue;
      pfns.push(pfn);
      if (pfns.length === EVICT_BATCH_PAGES) break;
    }
    this.#evicting = true;
    this.#evict(cpu, pfns, () => {
      this.#evicting = false;
    });
  }

  /**
   * Evicts every page of this device (the test device's release: `dmirror`'s
   * `HMM_DMIRROR_RELEASE` migrating all its memory back to system memory):
   * one request per CPU node holding pages; `done` gets the pages moved once
   * every node answered. Pages a node could not move (pinned by a migration
   * in flight, RAM full) stay.
   */
  evictAll(done: (evicted: number) => void): void {
    const byCpu = new Map<NodeId, number[]>();
    for (const [pfn, cpu] of this.#holder) byCpu.set(cpu, [...(byCpu.get(cpu) ?? []), pfn]);
    let outstanding = byCpu.size;
    let evicted = 0;
    if (outstanding === 0) return done(0);
    for (const [cpu, pfns] of byCpu) {
      this.#evict(cpu, pfns, (moved) => {
        evicted += moved;
        if (--outstanding === 0) done(evicted);
      });
    }
  }

  /** Asks `cpu` to migrate `pfns` (held there) back to RAM; `then` gets the pages it moved. */
  #evict(cpu: NodeId, pfns: readonly number[], then: (moved: number) => void): void {
    this.stats.evictionRequests++;
    this.stats.evictionPagesRequested += pfns.length;
    this.#evictions.send(cpu, { migrate: { dstMemNode: cpu, npages: pfns.length, pfns: [...pfns] } }, (env) => {
      const moved = env.migrateDone?.migrated ?? 0;
      this.stats.evictedPages += moved;
      then(moved);
    });
  }

  /**
   * The end-of-run check (every CPU node's processes exited and the run is
   * quiescent): every page of this device is idle again — free in the
   * driver's pool, refcount 1, unmapped, uncharged. Returns the counters.
   * @throws InvariantViolation (with the seed) otherwise.
   */
  finish(): DriverStats {
    const busy = this.#driver.pool.inUse();
    if (busy.length) throw new InvariantViolation(`node ${this.#kernel.spec.name}: ${busy.length} device pages still in use after every process exited (e.g. pfn ${busy[0]}, held by node ${this.#holder.get(busy[0]!)})`, this.#kernel.seed);
    checkInvariants(this.#core, this.#kernel.seed, { memcgs: [] });
    return { ...this.stats };
  }
}
