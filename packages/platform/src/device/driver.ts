/**
 * The device side of the mm-stress workload: the device's driver (a
 * dmirror-like DmirrorDriver over this device's memory) on the device's
 * worker. It serves DMA requests of CPU nodes — `alloc_and_copy` of a
 * migration to this device (allocate a page per source, copy, reply with
 * the pfns) and copies of its pages back to RAM for migrations, faults and
 * evictions — takes pages back on PageFree (`page_free`), and asks the CPU
 * nodes holding its pages to migrate some back to RAM when it runs short
 * (driver eviction, as the seed's discussion describes).
 */
import { InvariantViolation, type MemNodeId, type NodeId, type Ps } from '@cdmsim/engine';
import type { DeviceNodeSpec, MmStressWorkloadSpec, Topology } from '@cdmsim/config';
import { checkInvariants, DmirrorDriver, Errno, type MmCore } from '@cdmsim/mm';
import type { cdmsim, EnvelopeData } from '@cdmsim/proto';
import type { NodeKernel } from '@cdmsim/kernel';
import { stressDeviceResource } from '../mm/node-mm.js';
import type { PageCaches } from '../cache/page-caches.js';

/** Pages one eviction request asks a CPU node to migrate back. */
export const EVICT_BATCH_PAGES = 8;

/** Counters of one device's driver in an mm-stress run (plain data). */
export interface MmStressDeviceStats {
  /** Pages allocated for migrations to this device (`alloc_and_copy`). */
  allocated: number;
  /** Destination pages declined (memory full, or the source already lives here). */
  declined: number;
  /** Pages copied by this device's DMA engine (both directions). */
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

/** One device's driver for the mm-stress workload. */
export class MmStressDevice {
  readonly stats: MmStressDeviceStats = { allocated: 0, declined: 0, pagesCopied: 0, pageFrees: 0, evictionRequests: 0, evictionPagesRequested: 0, evictedPages: 0, peakInUse: 0 };
  readonly #kernel: NodeKernel;
  readonly #core: MmCore;
  readonly #spec: MmStressWorkloadSpec;
  readonly #driver: DmirrorDriver;
  readonly #pageSize: number;
  /** CPU node holding each page this driver handed out (insertion order = allocation order). */
  readonly #holder = new Map<number, NodeId>();
  readonly #coherence: PageCaches | null;
  #evicting = false;

  /**
   * Registers this device's memory in `core` (the device worker's MmCore)
   * and the message handlers on `kernel`. `coherence`: with caches, this
   * device's directory is the home of its pages' lines: it recalls them
   * before its DMA engine reads them and before a freed page is reused.
   */
  constructor(kernel: NodeKernel, topology: Topology, spec: MmStressWorkloadSpec, core: MmCore, coherence: PageCaches | null = null) {
    this.#kernel = kernel;
    this.#coherence = coherence;
    this.#core = core;
    this.#spec = spec;
    this.#pageSize = topology.pageSizeBytes;
    this.#driver = new DmirrorDriver(core, kernel.self as number as MemNodeId);
    const { kind, resource } = stressDeviceResource(core, kernel.self, spec);
    const r = kind === 'public' ? this.#driver.addResource(resource) : this.#driver.addPrivate(resource.frameCount);
    if (r !== Errno.OK) throw new Error(`node ${kernel.spec.name}: registering its ${kind} memory failed: ${Errno[r]}`);
    kernel.on('dmaCopy', (env) => this.#dmaCopy(env));
    kernel.on('pageFree', (env) => this.#pageFree(env));
    kernel.on('migrateDone', (env) => this.#evictionDone(env));
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
        const d = pool.alloc();
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
      if (dst.length !== src.length) throw new Error(`node ${this.#kernel.spec.name}: dmaCopy from node ${requester} has ${src.length} sources and ${dst.length} destinations`);
      for (let i = 0; i < src.length; i++) content.copyPage(src[i]!, dst[i]!);
    }
    const copied = req.allocDst ? dst.filter((d) => d !== 0).length : src.length;
    this.stats.pagesCopied += copied;
    const reply: EnvelopeData['dmaCopyDone'] = req.allocDst ? { pages: copied, dstPfns: dst } : { pages: copied, dataBytes: copied * this.#pageSize };
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
    const below = this.#spec.evictBelowFreePages;
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
    this.stats.evictionRequests++;
    this.stats.evictionPagesRequested += pfns.length;
    this.#kernel.send(cpu, { txn: this.#kernel.newTxn(), migrate: { dstMemNode: cpu, npages: pfns.length, pfns } });
  }

  #evictionDone(env: cdmsim.Envelope | EnvelopeData): void {
    this.#evicting = false;
    this.stats.evictedPages += env.migrateDone!.migrated ?? 0;
  }

  /**
   * The end-of-run check (every CPU node's processes exited and the run is
   * quiescent): every page of this device is idle again — free in the
   * driver's pool, refcount 1, unmapped, uncharged. Returns the counters.
   * @throws InvariantViolation (with the seed) otherwise.
   */
  finish(): MmStressDeviceStats {
    const busy = this.#driver.pool.inUse();
    if (busy.length) throw new InvariantViolation(`node ${this.#kernel.spec.name}: ${busy.length} device pages still in use after every process exited (e.g. pfn ${busy[0]}, held by node ${this.#holder.get(busy[0]!)})`, this.#kernel.seed);
    checkInvariants(this.#core, this.#kernel.seed, { memcgs: [] });
    return { ...this.stats };
  }
}
