/**
 * MmCore: the memory manager of one simulated machine — the shared page
 * state (frame table, page tables, contents) plus the per-node bookkeeping
 * (RAM allocators, LRUs, devmem registry, memcgs, processes, page caches).
 * Every mm function takes it as its first argument. The plain-JS parts are
 * owned by one node each (said on each field); the shared parts work
 * across worker threads.
 */
import { CdmsimError, type MemNodeId, type Pid } from '@cdmsim/engine';
import { PageType, type ContentStore, type FrameTable, type PageTables } from '@cdmsim/shm';
import { DevmemRegistry } from './devmem.js';
import { Lru } from './lru.js';
import { MemcgTree } from './memcg.js';
import { PageAllocator } from './page-allocator.js';
import { PageCache } from './page-cache.js';
import type { Process } from './address-space.js';
import type { Vma } from './vma.js';

/** Chooses the RAM nodes to try, in order, for a new page of `proc` at `vpn` (default: the process's local RAM, then the other RAM nodes). */
export type PlacementPolicy = (core: MmCore, proc: Process, vma: Vma, vpn: number) => readonly MemNodeId[];

/** The default placement policy: local RAM first, then every other system-RAM node by id. */
export const localFirstPlacement: PlacementPolicy = (core, proc) => [proc.cpuNode, ...core.ramNodes().filter((n) => n !== proc.cpuNode)];

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
  placement: PlacementPolicy;
  readonly stats: MmStats = { cpuAccessesToDevice: new Map(), faults: 0, cowCopies: 0, migratedPages: 0, skippedMigrations: 0, oomKills: 0, lazyFreed: 0 };
  #nextPid = 1;
  #nextMappingId = 1;

  constructor(options: MmCoreOptions) {
    this.frames = options.frames;
    this.pageTables = options.pageTables;
    this.content = options.content;
    this.pageSize = options.content.pageSize;
    this.placement = options.placement ?? localFirstPlacement;
    for (const m of this.frames.map.memories) {
      if (m.type !== PageType.SYSTEM_RAM) continue;
      this.ram.set(m.memNode, new PageAllocator(m, this.frames, this.content));
      this.lru.set(m.memNode, new Lru(this.frames));
    }
    if (this.ram.size === 0) throw new CdmsimError('MmCore: the memory map has no SYSTEM_RAM memory');
    this.devmem = new DevmemRegistry(this.frames.map.memories);
    this.memcgs = new MemcgTree(this.frames);
    const first = this.ram.values().next().value as PageAllocator;
    const zero = first.alloc();
    if (zero === null) throw new CdmsimError('MmCore: no RAM frame for the zero page');
    this.zeroPfn = zero;
  }

  /** System-RAM node ids in id order. */
  ramNodes(): MemNodeId[] {
    return [...this.ram.keys()].sort((a, b) => a - b);
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
   * RAM of `node` first, then any RAM node; never device memory, even when
   * RAM is exhausted. Returns null on exhaustion.
   */
  allocKernelPage(node: MemNodeId): number | null {
    return this.allocRamPage([node, ...this.ramNodes()]);
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
