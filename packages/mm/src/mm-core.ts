/**
 * MmCore: the memory manager of one simulated machine — the shared page
 * state (frame table, page tables, contents) plus the per-node bookkeeping
 * (RAM allocators, LRUs, devmem registry, memcgs, processes, page caches).
 * Every mm function takes it as its first argument. The plain-JS parts are
 * owned by one node each (said on each field); the shared parts work
 * across worker threads.
 */
import { CdmsimError, type MemNodeId, type Pid } from '@cdmsim/engine';
import { PageType, type ContentStore, type FrameTable, type MemcgCounters, type PageTables } from '@cdmsim/shm';
import { DevmemRegistry } from './devmem.js';
import { Lru } from './lru.js';
import { MemcgTree } from './memcg.js';
import { PageAllocator } from './page-allocator.js';
import { PageCache } from './page-cache.js';
import type { Process } from './address-space.js';
import type { Vma } from './vma.js';

/** Chooses the RAM nodes to try, in order, for a new page of `proc` at `vpn` (default: the process's local RAM, then the other RAM nodes). */
export type PlacementPolicy = (core: MmCore, proc: Process, vma: Vma, vpn: number) => readonly MemNodeId[];

/** The default placement policy: local RAM first, then every other system-RAM node by id (`MmCore.localFirstOrder`). */
export const localFirstPlacement: PlacementPolicy = (core, proc) => core.localFirstOrder(proc.cpuNode);

/**
 * The cache-coherence side of page management (issue 4, item 4): with
 * coherent CPU and device caches, page data may sit dirty in a cache. The
 * memory manager calls these before page data is copied and before a frame
 * is reused, so the copy reads the last write and no cache keeps a copy of
 * a frame's old contents. `flushPage` completes synchronously; a frame's
 * invalidation may complete later (over a bus), so the frame goes back to
 * its allocator or driver through the `release` callback.
 */
export interface PageCoherence {
  /** Before `pfn`'s contents are read as a whole by a DMA engine or the kernel (migration copy, file writeback): memory must hold the last write of every line when this returns. */
  flushPage(pfn: number): void;
  /**
   * A CPU copies page `src` onto the new page `dst` (`copy_user_highpage`,
   * COW): afterwards `dst` holds the last write of every line of `src`.
   * Caller holds no page lock of either.
   */
  copyPageByCpu(src: number, dst: number): void;
  /**
   * Frame `pfn` is free: invalidate every cached copy of its lines, then call
   * `release` (now or later) to hand the frame back; it must not be reused
   * before. Caller dropped every reference and mapping.
   */
  invalidatePage(pfn: number, release: () => void): void;
}

/** PageCoherence when no caches are modelled: memory is always current, so a flush does nothing, a copy copies and a freed frame goes back at once. */
export class UncachedPages implements PageCoherence {
  readonly #core: MmCore;

  constructor(core: MmCore) {
    this.#core = core;
  }

  flushPage(): void {}

  copyPageByCpu(src: number, dst: number): void {
    this.#core.withPageLock(src, () => this.#core.content.copyPage(src, dst));
  }

  invalidatePage(_pfn: number, release: () => void): void {
    release();
  }
}

/** Counters of notable events (for reports and tests). */
export interface MmStats {
  /** CPU accesses (read/write calls) that crossed the bus to a device-public page, per device memory node. */
  cpuAccessesToDevice: Map<MemNodeId, number>;
  faults: number;
  cowCopies: number;
  migratedPages: number;
  skippedMigrations: number;
  oomKills: number;
  /** Lazy-free (MADV_FREE) anonymous pages dropped by reclaim instead of being swapped. */
  lazyFreed: number;
}

/** Construction options of MmCore. */
export interface MmCoreOptions {
  readonly frames: FrameTable;
  readonly pageTables: PageTables;
  readonly content: ContentStore;
  readonly placement?: PlacementPolicy;
  /**
   * RAM nodes whose allocator and LRU live in this MmCore (default: every
   * SYSTEM_RAM memory). A node worker owns only its own RAM; pages of other
   * nodes' RAM are never allocated or freed here.
   */
  readonly ownedRamNodes?: readonly MemNodeId[];
  /** Caps the frames each owned RAM allocator hands out (small memories for stress runs); default: the whole memory. */
  readonly ramPagesCap?: number;
  /** Shared memcg counters (default: private ones). Every MmCore sharing them must create the same memcgs in the same order. */
  readonly memcgCounters?: MemcgCounters;
  /** First pid handed out (default 1); cores sharing page state use disjoint ranges so pids stay unique. */
  readonly firstPid?: number;
  /** First mapping id of page caches (default 1); disjoint per core, like `firstPid`. */
  readonly firstMappingId?: number;
}

/** The mm state of one machine. */
export class MmCore {
  readonly frames: FrameTable;
  readonly pageTables: PageTables;
  readonly content: ContentStore;
  /** Bytes per page. */
  readonly pageSize: number;
  /** RAM allocator per system-RAM node; each owned by that CPU node. */
  readonly ram = new Map<MemNodeId, PageAllocator>();
  /** LRU per system-RAM node; each owned by that CPU node. */
  readonly lru = new Map<MemNodeId, Lru>();
  /** Device memory registrations; each devmem owned by its device node. */
  readonly devmem: DevmemRegistry;
  /** Memory cgroups; owned by the control node. */
  readonly memcgs: MemcgTree;
  /** Live processes; each owned by its CPU node. */
  readonly processes = new Map<Pid, Process>();
  /** Files and shmem objects by mapping id; each owned by the CPU node that created it. */
  readonly caches = new Map<number, PageCache>();
  /** GUP references per pfn (`get_user_pages`, short-term and FOLL_LONGTERM); each is one page reference the checker expects. */
  readonly gupRefs = new Map<number, number>();
  /** The FOLL_LONGTERM subset of `gupRefs` per pfn; never a device page (device memory is never pinned [6/6]). */
  readonly longtermPins = new Map<number, number>();
  /** The shared zero page (`ZERO_PAGE(0)`), a RAM frame never freed and never counted. */
  readonly zeroPfn: number;
  /** Whether this core owns the zero page's RAM node (the zero page is then one of its allocated frames). */
  readonly ownsZeroPage: boolean;
  placement: PlacementPolicy;
  /** Cache-coherence hooks; by default no caches are modelled and page contents are always current (`UncachedPages`). */
  coherence: PageCoherence = new UncachedPages(this);
  readonly stats: MmStats = { cpuAccessesToDevice: new Map(), faults: 0, cowCopies: 0, migratedPages: 0, skippedMigrations: 0, oomKills: 0, lazyFreed: 0 };
  #nextPid: number;
  #nextMappingId: number;
  /** `ram`'s keys in id order; `ram` is filled only in the constructor, so this never changes. */
  readonly #ramNodeIds: readonly MemNodeId[];
  /** Memoised `localFirstOrder` per first node. */
  readonly #localFirst = new Map<MemNodeId, readonly MemNodeId[]>();

  constructor(options: MmCoreOptions) {
    this.frames = options.frames;
    this.pageTables = options.pageTables;
    this.content = options.content;
    this.pageSize = options.content.pageSize;
    this.placement = options.placement ?? localFirstPlacement;
    this.#nextPid = options.firstPid ?? 1;
    this.#nextMappingId = options.firstMappingId ?? 1;
    const rams = this.frames.map.memories.filter((m) => m.type === PageType.SYSTEM_RAM);
    if (rams.length === 0) throw new CdmsimError('MmCore: the memory map has no SYSTEM_RAM memory');
    const owned = options.ownedRamNodes ?? rams.map((m) => m.memNode);
    for (const m of rams) {
      if (!owned.includes(m.memNode)) continue;
      const cap = options.ramPagesCap ?? m.frameCount;
      this.ram.set(m.memNode, new PageAllocator({ ...m, frameCount: Math.min(cap, m.frameCount) }, this.frames, this.content));
      this.lru.set(m.memNode, new Lru(this.frames));
    }
    this.#ramNodeIds = [...this.ram.keys()].sort((a, b) => a - b);
    this.devmem = new DevmemRegistry(this.frames.map.memories);
    this.memcgs = new MemcgTree(this.frames, options.memcgCounters);
    // ZERO_PAGE(0): the first frame of the first RAM memory. Its owner allocates it; every other core only knows its pfn.
    const zeroMemory = rams[0]!;
    this.zeroPfn = zeroMemory.firstPfn;
    this.ownsZeroPage = this.ram.has(zeroMemory.memNode);
    if (this.ownsZeroPage) {
      const zero = this.ram.get(zeroMemory.memNode)!.alloc();
      if (zero !== this.zeroPfn) throw new CdmsimError(`MmCore: the zero page should be pfn ${this.zeroPfn}, the allocator gave ${zero}`);
    }
  }

  /**
   * Returns the RAM fallback order starting at `node` (the zonelist of
   * `alloc_pages_node(node, ...)`): `node` itself, then every other RAM node
   * this core owns by id. Memoised per node; callers must not modify it. A
   * `node` this core does not own stays first and is skipped by
   * `allocRamPage`.
   */
  localFirstOrder(node: MemNodeId): readonly MemNodeId[] {
    let order = this.#localFirst.get(node);
    if (!order) {
      order = [node, ...this.#ramNodeIds.filter((n) => n !== node)];
      this.#localFirst.set(node, order);
    }
    return order;
  }

  /** Returns the RAM allocator of `node`; throws for a non-RAM node. */
  ramAllocator(node: MemNodeId): PageAllocator {
    const a = this.ram.get(node);
    if (!a) throw new CdmsimError(`mm: memory node ${node} is not system RAM`);
    return a;
  }

  /** Returns the LRU of the RAM node owning `pfn`. */
  lruOf(pfn: number): Lru {
    const l = this.lru.get(this.frames.memNode(pfn));
    if (!l) throw new CdmsimError(`mm: pfn ${pfn} is not system RAM, it has no LRU`);
    return l;
  }

  /**
   * Allocates a RAM page from the first node of `order` with a free frame
   * (`alloc_pages_node` with fallback). Only SYSTEM_RAM nodes are ever
   * tried: device memory is never a fallback [0/6]. Returns the pfn at
   * refcount 1, or null when every listed RAM node is full.
   */
  allocRamPage(order: readonly MemNodeId[]): number | null {
    for (const n of order) {
      const a = this.ram.get(n);
      if (!a) continue; // a device node in a policy's list is ignored: isolation
      const pfn = a.alloc();
      if (pfn !== null) return pfn;
    }
    return null;
  }

  /**
   * Allocates a page for the kernel itself (`__get_free_page(GFP_KERNEL)`):
   * RAM of `node` first, then any RAM node (`localFirstOrder`); never device
   * memory, even when RAM is exhausted. Returns the pfn at refcount 1, or
   * null on exhaustion. Caller runs on the node owning this core's RAM.
   */
  allocKernelPage(node: MemNodeId): number | null {
    return this.allocRamPage(this.localFirstOrder(node));
  }

  /** Returns a fresh pid. */
  nextPid(): Pid {
    return this.#nextPid++ as Pid;
  }

  /** Creates a file (`shmem: false`) or shmem object and returns its page cache. */
  createCache(name: string, shmem: boolean): PageCache {
    const c = new PageCache(this.#nextMappingId++, name, shmem);
    this.caches.set(c.id, c);
    return c;
  }

  /** Returns the process with `pid`; throws if it does not exist (or exited). */
  process(pid: Pid): Process {
    const p = this.processes.get(pid);
    if (!p) throw new CdmsimError(`mm: no process ${pid}`);
    return p;
  }

  /** Runs `fn` holding the PTE lock of `pte` (`pte_offset_map_lock` … `pte_unmap_unlock`). */
  withPteLock<T>(pte: number, fn: () => T): T {
    this.pageTables.lockPte(pte);
    try {
      return fn();
    } finally {
      this.pageTables.unlockPte(pte);
    }
  }

  /** Runs `fn` holding the page lock of `pfn` (`lock_page` … `unlock_page`). */
  withPageLock<T>(pfn: number, fn: () => T): T {
    this.frames.lockPage(pfn);
    try {
      return fn();
    } finally {
      this.frames.unlockPage(pfn);
    }
  }
}
