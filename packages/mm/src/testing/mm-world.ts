/**
 * MmWorld: a fixture / facade that assembles a whole machine's mm — RAM per
 * CPU node, device memory per device with a DmirrorDriver registered on it,
 * an optional DEVICE_HOST (pmem) memory — from a Topology or a small spec.
 * Tests and single-threaded runs use it; the node layer builds the same
 * pieces per worker.
 */
import type { Topology } from '@cdmsim/config';
import { CdmsimError, type MemNodeId } from '@cdmsim/engine';
import { ContentStore, FrameTable, PageTables, PageType, layoutMemories, type MemoryDesc } from '@cdmsim/shm';
import { createProcess, type Process } from '../address-space.js';
import { IoresDesc, type IoResource } from '../devmem.js';
import { DmirrorDriver } from '../dmirror-driver.js';
import { Errno } from '../errno.js';
import type { MemcgId } from '../memcg.js';
import { pageTypeOfMemoryKind } from '../memory-node.js';
import { MmCore, type PlacementPolicy } from '../mm-core.js';
import type { PageCache } from '../page-cache.js';

/** One memory of a world spec. */
export interface WorldMemorySpec {
  readonly kind: 'system' | 'public' | 'private';
  readonly pages: number;
}

/** A small machine: CPU RAM sizes and device memories, in pages. */
export interface MmWorldSpec {
  readonly cpus: readonly number[];
  readonly devices?: readonly WorldMemorySpec[];
  /** Pages of DEVICE_HOST (pmem-like) memory; 0 = none. */
  readonly hostPages?: number;
  readonly pageSize?: number;
  readonly placement?: PlacementPolicy;
}

/** A device of the world: its driver and the memory it registered. */
export interface WorldDevice {
  readonly memNode: MemNodeId;
  readonly kind: 'public' | 'private';
  readonly driver: DmirrorDriver;
}

/** The assembled mm of one machine. */
export class MmWorld {
  readonly core: MmCore;
  /** RAM node of each CPU, by CPU index. */
  readonly cpus: MemNodeId[];
  readonly devices: WorldDevice[] = [];
  /** The DEVICE_HOST memory, if any. */
  readonly host: MemoryDesc | null;

  constructor(spec: MmWorldSpec) {
    const sizes: { memNode: MemNodeId; type: PageType; frameCount: number }[] = [];
    let id = 0;
    for (const pages of spec.cpus) sizes.push({ memNode: id++ as MemNodeId, type: PageType.SYSTEM_RAM, frameCount: pages });
    for (const d of spec.devices ?? []) sizes.push({ memNode: id++ as MemNodeId, type: pageTypeOfMemoryKind(d.kind), frameCount: d.pages });
    if (spec.hostPages) sizes.push({ memNode: id++ as MemNodeId, type: PageType.DEVICE_HOST, frameCount: spec.hostPages });
    const memories = layoutMemories(sizes);
    const frames = new FrameTable({ memories });
    const content = new ContentStore(frames, { pageSize: spec.pageSize ?? 4096, maxPages: Math.min(frames.totalFrames, 1 << 16) });
    this.core = new MmCore({ frames, pageTables: new PageTables({ maxTables: 1 << 14 }), content, ...(spec.placement ? { placement: spec.placement } : {}) });
    this.cpus = memories.filter((m) => m.type === PageType.SYSTEM_RAM).map((m) => m.memNode);
    this.host = memories.find((m) => m.type === PageType.DEVICE_HOST) ?? null;
    for (const m of memories) {
      if (m.type !== PageType.DEVICE_PUBLIC && m.type !== PageType.DEVICE_PRIVATE) continue;
      const driver = new DmirrorDriver(this.core, m.memNode);
      const r = m.type === PageType.DEVICE_PUBLIC ? driver.addResource(this.publicResource(m.memNode)) : driver.addPrivate(m.frameCount);
      if (r !== Errno.OK) throw new CdmsimError(`MmWorld: registering device memory ${m.memNode} failed: ${Errno[r]}`);
      this.devices.push({ memNode: m.memNode, kind: m.type === PageType.DEVICE_PUBLIC ? 'public' : 'private', driver });
    }
  }

  /** Builds a world from a Topology, capping each memory at `maxPagesPerMemory` pages (tests need small memories). */
  static fromTopology(t: Topology, maxPagesPerMemory = 4096): MmWorld {
    const pages = (bytes: number): number => Math.min(maxPagesPerMemory, Math.floor(bytes / t.pageSizeBytes));
    return new MmWorld({
      cpus: t.cpus.map((c) => pages(c.memory.sizeBytes)),
      devices: t.devices.map((d) => ({ kind: d.memory.kind, pages: pages(d.memory.sizeBytes) })),
      pageSize: t.pageSizeBytes,
    });
  }

  /** The firmware-described resource of a public device memory (`IORES_DESC_DEVICE_PUBLIC_MEMORY`). */
  publicResource(memNode: MemNodeId): IoResource {
    const m = this.core.frames.map.memories.find((x) => x.memNode === memNode && x.type === PageType.DEVICE_PUBLIC);
    if (!m) throw new CdmsimError(`MmWorld: memory node ${memNode} has no public memory`);
    return { desc: IoresDesc.DEVICE_PUBLIC_MEMORY, memNode, firstPfn: m.firstPfn, frameCount: m.frameCount };
  }

  /** The first device of `kind` (throws if none). */
  device(kind: 'public' | 'private', nth = 0): WorldDevice {
    const d = this.devices.filter((x) => x.kind === kind)[nth];
    if (!d) throw new CdmsimError(`MmWorld: no ${kind} device #${nth}`);
    return d;
  }

  /** Starts a process on CPU `cpu` in memcg `memcg` (default root). */
  spawn(cpu = 0, memcg?: MemcgId): Process {
    const node = this.cpus[cpu];
    if (node === undefined) throw new CdmsimError(`MmWorld: no CPU ${cpu}`);
    return createProcess(this.core, node, memcg);
  }

  /** Creates a dax "device" over the DEVICE_HOST memory for `mmap({ kind: 'dax', cache })`. */
  daxDevice(): PageCache {
    if (!this.host) throw new CdmsimError('MmWorld: no DEVICE_HOST memory (set hostPages)');
    const c = this.core.createCache('dax0', false);
    c.daxBasePfn = this.host.firstPfn;
    return c;
  }

  /** Virtual address of page `vpn`. */
  va(vpn: number, offset = 0): number {
    return vpn * this.core.pageSize + offset;
  }
}
