/**
 * Device memory registration (`struct hmm_devmem`, mm/hmm.c with patch 3/6).
 * A device's driver registers its memory: `devmemAdd(size)` creates
 * DEVICE_PRIVATE pages in an unused physical range; `devmemAddResource(res)`
 * creates DEVICE_PUBLIC (CDM) pages for a resource described as
 * device-public memory. The registry is plain JS owned by the device's node.
 */
import { CdmsimError, type MemNodeId, type Pid } from '@cdmsim/engine';
import { PageType, type MemoryDesc } from '@cdmsim/shm';
import { Errno } from './errno.js';

/** Resource descriptors (`IORES_DESC_*`, include/linux/ioport.h). */
export enum IoresDesc {
  NONE = 0,
  PERSISTENT_MEMORY = 4,
  DEVICE_PRIVATE_MEMORY = 6,
  DEVICE_PUBLIC_MEMORY = 7,
}

/** A physical memory resource (`struct resource`): a PFN range with a descriptor. */
export interface IoResource {
  readonly desc: IoresDesc;
  readonly memNode: MemNodeId;
  readonly firstPfn: number;
  readonly frameCount: number;
}

/**
 * Callbacks of a device's pagemap (`struct dev_pagemap` / `hmm_devmem_ops`).
 * They run on the device's node; the node layer implements them with bus
 * messages, tests in-process.
 */
export interface DevicePagemapOps {
  /**
   * `page_free`: the page's refcount fell to 1, it is idle again and
   * already uncharged. The driver takes it back into its allocator.
   */
  pageFree(pfn: number): void;
  /**
   * `page_fault` (device-private only): the CPU touched a device-private
   * entry of process `pid` at `vpn`; the driver migrates the page back to
   * RAM (e.g. with `migrateVma` and `ramMigrateOps`). Returns OK once the
   * entry is gone, or an errno (the fault then fails with it).
   */
  fault(pid: Pid, vpn: number, pfn: number, write: boolean): Errno;
  /**
   * Returns the pages of this memory the implementation has handed out and
   * not yet got back through `pageFree` (the invariant checker's "in use";
   * the order the checker reports them in). May be the implementation's own
   * live collection: callers only iterate it, at a quiescent point, on the
   * device memory owner's node. Optional: without it no page counts as in use.
   */
  inUsePages?(): Iterable<number>;
}

/** One registered device memory (`struct hmm_devmem`). */
export class Devmem {
  readonly resource: IoResource;
  readonly type: PageType.DEVICE_PRIVATE | PageType.DEVICE_PUBLIC;
  readonly ops: DevicePagemapOps;
  #live = true;
  #removed = false;

  constructor(resource: IoResource, type: PageType.DEVICE_PRIVATE | PageType.DEVICE_PUBLIC, ops: DevicePagemapOps) {
    this.resource = resource;
    this.type = type;
    this.ops = ops;
  }

  /** False once `devmemRemove` killed the pgmap reference: no new page may be handed out. */
  get live(): boolean {
    return this.#live;
  }

  /** True once the pages are removed. */
  get removed(): boolean {
    return this.#removed;
  }

  /** Returns whether `pfn` belongs to this memory. */
  contains(pfn: number): boolean {
    return pfn >= this.resource.firstPfn && pfn < this.resource.firstPfn + this.resource.frameCount;
  }

  /** @internal `hmm_devmem_ref_kill`. */
  kill(): void {
    this.#live = false;
  }

  /** @internal `hmm_devmem_pages_remove`. */
  markRemoved(): void {
    this.#removed = true;
  }
}

/** All device memory registrations of the machine, and the free physical ranges for private memory. */
export class DevmemRegistry {
  readonly #devmems: Devmem[] = [];
  /** DEVICE_PRIVATE windows of the memory map (unaddressable ranges a driver may claim). */
  readonly #privateWindows: MemoryDesc[];
  /** Public resources reserved by their driver; never released by `devmemRemove`. */
  readonly #reservedPublic = new Set<number>();

  constructor(memories: readonly MemoryDesc[]) {
    this.#privateWindows = memories.filter((m) => m.type === PageType.DEVICE_PRIVATE);
  }

  /**
   * `hmm_devmem_add`: finds an unused physical range of `frameCount` frames
   * in the DEVICE_PRIVATE window of `memNode` and creates private pages
   * there. Returns the devmem, or ENOMEM when no range is free.
   */
  add(ops: DevicePagemapOps, memNode: MemNodeId, frameCount: number): Devmem | Errno {
    if (!Number.isInteger(frameCount) || frameCount < 1) return Errno.EINVAL;
    for (const w of this.#privateWindows) {
      if (w.memNode !== memNode) continue;
      const used = this.#devmems
        .filter((d) => !d.removed && d.resource.firstPfn >= w.firstPfn && d.resource.firstPfn < w.firstPfn + w.frameCount)
        .map((d) => d.resource)
        .sort((a, b) => a.firstPfn - b.firstPfn);
      let cursor = w.firstPfn;
      for (const r of [...used, { firstPfn: w.firstPfn + w.frameCount, frameCount: 0 }]) {
        if (r.firstPfn - cursor >= frameCount) {
          const res: IoResource = { desc: IoresDesc.DEVICE_PRIVATE_MEMORY, memNode, firstPfn: cursor, frameCount };
          const d = new Devmem(res, PageType.DEVICE_PRIVATE, ops);
          this.#devmems.push(d);
          return d;
        }
        cursor = Math.max(cursor, r.firstPfn + r.frameCount);
      }
    }
    return Errno.ENOMEM;
  }

  /**
   * `hmm_devmem_add_resource`: creates DEVICE_PUBLIC pages for `res`.
   * Returns EINVAL unless `res.desc` is DEVICE_PUBLIC_MEMORY, EBUSY if the
   * resource is already registered.
   */
  addResource(ops: DevicePagemapOps, res: IoResource): Devmem | Errno {
    if (res.desc !== IoresDesc.DEVICE_PUBLIC_MEMORY) return Errno.EINVAL;
    if (this.#devmems.some((d) => !d.removed && d.resource.firstPfn === res.firstPfn)) return Errno.EBUSY;
    const d = new Devmem(res, PageType.DEVICE_PUBLIC, ops);
    this.#devmems.push(d);
    this.#reservedPublic.add(res.firstPfn);
    return d;
  }

  /** Returns the live or removed devmem owning `pfn`, or undefined. */
  ownerOf(pfn: number): Devmem | undefined {
    for (const d of this.#devmems) if (!d.removed && d.contains(pfn)) return d;
    return undefined;
  }

  /** Returns the registered (not removed) devmems. */
  active(): Devmem[] {
    return this.#devmems.filter((d) => !d.removed);
  }

  /**
   * Returns whether the physical range starting at `firstPfn` is still
   * reserved: true for a registered devmem, and for a public resource even
   * after removal (patch 3/6 releases the region only for private memory).
   */
  isRegionReserved(firstPfn: number): boolean {
    return this.#reservedPublic.has(firstPfn) || this.#devmems.some((d) => !d.removed && d.resource.firstPfn === firstPfn);
  }

  /** @internal final step of `devmemRemove`. */
  finishRemove(d: Devmem): void {
    if (!this.#devmems.includes(d)) throw new CdmsimError('devmem: not registered here');
    d.markRemoved();
  }
}
