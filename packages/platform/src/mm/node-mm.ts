/**
 * Builds one node worker's view of the machine's memory manager: an MmCore
 * over the shared frame table, page tables, contents and (optionally)
 * memcg counters that owns only this node's RAM (a CPU node) or no RAM at
 * all (a device), with pids and page-cache ids unique across workers; and
 * the registration of a device's memory, the same range on every worker so
 * `devmem.ownerOf(pfn)` agrees everywhere.
 */
import { CdmsimError, type MemNodeId, type NodeId } from '@cdmsim/engine';
import type { Topology } from '@cdmsim/config';
import { Devmem, Errno, IoresDesc, MmCore, type DevicePagemapOps, type IoResource } from '@cdmsim/mm';
import { PageType, type ContentStore, type FrameTable, type MemcgCounters, type PageTables } from '@cdmsim/shm';

/** Pids of node n's processes start at `n * PID_STRIDE + 1` (unique across workers). */
export const PID_STRIDE = 1_000_000;
/** Page-cache mapping ids of node n start at `(n + 1) << MAPPING_ID_SHIFT` (unique across workers). */
export const MAPPING_ID_SHIFT = 20;

/** The shared objects a node's MmCore sits on. */
export interface MmSharedParts {
  readonly frames: FrameTable;
  readonly pageTables: PageTables;
  readonly content: ContentStore;
  /** Memcg counters every worker charges (default: counters private to this core). */
  readonly memcgCounters?: MemcgCounters;
}

/**
 * Returns node `self`'s MmCore. A CPU node owns the allocator and LRU of its
 * RAM (capped at `ramPagesCap` pages when given); a device owns none.
 */
export function createNodeMm(topology: Topology, self: NodeId, shared: MmSharedParts, ramPagesCap?: number): MmCore {
  const isCpu = topology.nodes[self]!.kind === 'cpu';
  const core = new MmCore({
    frames: shared.frames,
    pageTables: shared.pageTables,
    content: shared.content,
    ...(shared.memcgCounters ? { memcgCounters: shared.memcgCounters } : {}),
    ownedRamNodes: isCpu ? [self as number as MemNodeId] : [],
    ...(ramPagesCap !== undefined ? { ramPagesCap } : {}),
    firstPid: self * PID_STRIDE + 1,
    firstMappingId: (self + 1) << MAPPING_ID_SHIFT,
  });
  return core;
}

/** Returns the device memory node `device` registers: its first `pages` frames (all of them when absent), and its kind. */
export function deviceResource(core: MmCore, device: NodeId, pages?: number): { kind: 'public' | 'private'; resource: IoResource } {
  const m = core.frames.map.memories.find((x) => x.memNode === (device as number));
  if (!m) throw new CdmsimError(`node ${device} has no memory in the memory map`);
  const kind = m.type === PageType.DEVICE_PUBLIC ? 'public' : 'private';
  const desc = kind === 'public' ? IoresDesc.DEVICE_PUBLIC_MEMORY : IoresDesc.DEVICE_PRIVATE_MEMORY;
  return { kind, resource: { desc, memNode: m.memNode, firstPfn: m.firstPfn, frameCount: Math.min(pages ?? m.frameCount, m.frameCount) } };
}

/**
 * Registers the first `pages` frames of `device`'s memory in `core` with
 * `ops` as its pagemap callbacks (`hmm_devmem_add_resource` for public
 * memory, `hmm_devmem_add` for private). Every worker registers the same
 * range, so `ownerOf(pfn)` agrees everywhere. Returns the kind and devmem.
 * @throws CdmsimError if the registration is refused (a setup bug).
 */
export function registerDeviceMemory(core: MmCore, device: NodeId, ops: DevicePagemapOps, pages?: number): { kind: 'public' | 'private'; devmem: Devmem } {
  const { kind, resource } = deviceResource(core, device, pages);
  const d = kind === 'public' ? core.devmem.addResource(ops, resource) : core.devmem.add(ops, resource.memNode, resource.frameCount);
  if (!(d instanceof Devmem)) throw new CdmsimError(`registering the memory of node ${device} failed: ${Errno[d]}`);
  if (d.resource.firstPfn !== resource.firstPfn) throw new CdmsimError(`node ${device}: private memory registered at pfn ${d.resource.firstPfn}, expected ${resource.firstPfn}`);
  return { kind, devmem: d };
}
