/**
 * Builds one node worker's view of the machine's memory manager for the
 * mm-stress workload: an MmCore over the shared frame table, page tables,
 * contents and memcg counters that owns only this node's RAM (a CPU node)
 * or no RAM at all (a device), and the memcg hierarchy every worker creates
 * identically, so ids and limits agree across threads.
 */
import type { MemNodeId, NodeId } from '@cdmsim/engine';
import type { MmStressWorkloadSpec, Topology } from '@cdmsim/config';
import { Devmem, Errno, IoresDesc, MmCore, ROOT_MEMCG, type DevicePagemapOps, type IoResource, type MemcgId } from '@cdmsim/mm';
import { PageType, type ContentStore, type FrameTable, type MemcgCounters, type PageTables } from '@cdmsim/shm';

/** Pids of node n's processes start at `n * PID_STRIDE + 1` (unique across workers). */
export const PID_STRIDE = 1_000_000;
/** Page-cache mapping ids of node n start at `(n + 1) << MAPPING_ID_SHIFT` (unique across workers). */
export const MAPPING_ID_SHIFT = 20;

/** The memcgs of an mm-stress run. */
export interface StressMemcgs {
  /** Unlimited memcg every CPU node's processes may join (concurrent charges from several workers). */
  readonly shared: MemcgId;
  /** Per CPU node: its own unlimited memcg and a limited child of it. Only that node's processes charge them. */
  readonly perCpu: ReadonlyMap<NodeId, { readonly own: MemcgId; readonly limited: MemcgId }>;
}

/** The shared objects a node's MmCore sits on. */
export interface MmSharedParts {
  readonly frames: FrameTable;
  readonly pageTables: PageTables;
  readonly content: ContentStore;
  readonly memcgCounters: MemcgCounters;
}

/**
 * Returns node `self`'s MmCore and the run's memcgs. A CPU node owns the
 * allocator and LRU of its RAM (capped at `spec.ramPagesPerCpu` pages); a
 * device owns none. Every worker must call this with the same topology and
 * spec (the memcg hierarchy is created in the same order everywhere).
 */
export function createNodeMm(topology: Topology, self: NodeId, spec: MmStressWorkloadSpec, shared: MmSharedParts): { core: MmCore; memcgs: StressMemcgs } {
  const isCpu = topology.nodes[self]!.kind === 'cpu';
  const core = new MmCore({
    frames: shared.frames,
    pageTables: shared.pageTables,
    content: shared.content,
    memcgCounters: shared.memcgCounters,
    ownedRamNodes: isCpu ? [self as number as MemNodeId] : [],
    ramPagesCap: spec.ramPagesPerCpu,
    firstPid: self * PID_STRIDE + 1,
    firstMappingId: (self + 1) << MAPPING_ID_SHIFT,
  });
  return { core, memcgs: createStressMemcgs(core, topology, spec) };
}

/** Creates the run's memcgs in a fixed order (see StressMemcgs). */
function createStressMemcgs(core: MmCore, topology: Topology, spec: MmStressWorkloadSpec): StressMemcgs {
  const shared = core.memcgs.create('shared').id;
  const perCpu = new Map<NodeId, { own: MemcgId; limited: MemcgId }>();
  for (const c of topology.cpus) {
    const own = core.memcgs.create(c.name).id;
    const limited = core.memcgs.create(`${c.name}/limited`, spec.memcgLimitPages, own).id;
    perCpu.set(c.id, { own, limited });
  }
  return { shared, perCpu };
}

/** The memcgs a process of CPU node `cpu` may be in (root, the shared one, the node's own two). */
export function memcgChoices(memcgs: StressMemcgs, cpu: NodeId): MemcgId[] {
  const mine = memcgs.perCpu.get(cpu);
  if (!mine) throw new Error(`node ${cpu} is not a CPU node of the run`);
  return [ROOT_MEMCG, memcgs.shared, mine.own, mine.limited];
}

/** The device memory a device registers in an mm-stress run: its first `spec.devicePages` frames. */
export function stressDeviceResource(core: MmCore, device: NodeId, spec: MmStressWorkloadSpec): { kind: 'public' | 'private'; resource: IoResource } {
  const m = core.frames.map.memories.find((x) => x.memNode === (device as number));
  if (!m) throw new Error(`node ${device} has no memory in the memory map`);
  const kind = m.type === PageType.DEVICE_PUBLIC ? 'public' : 'private';
  const desc = kind === 'public' ? IoresDesc.DEVICE_PUBLIC_MEMORY : IoresDesc.DEVICE_PRIVATE_MEMORY;
  return { kind, resource: { desc, memNode: m.memNode, firstPfn: m.firstPfn, frameCount: Math.min(spec.devicePages, m.frameCount) } };
}

/**
 * Registers `device`'s memory in `core` with `ops` as its pagemap
 * callbacks (`hmm_devmem_add_resource` for public memory, `hmm_devmem_add`
 * for private). Every worker registers the same range, so `ownerOf(pfn)`
 * agrees everywhere. Throws if the registration is refused (a setup bug).
 */
export function registerStressDevice(core: MmCore, device: NodeId, spec: MmStressWorkloadSpec, ops: DevicePagemapOps): { kind: 'public' | 'private'; devmem: Devmem } {
  const { kind, resource } = stressDeviceResource(core, device, spec);
  const d = kind === 'public' ? core.devmem.addResource(ops, resource) : core.devmem.add(ops, resource.memNode, resource.frameCount);
  if (!(d instanceof Devmem)) throw new Error(`registering the memory of node ${device} failed: ${Errno[d]}`);
  if (d.resource.firstPfn !== resource.firstPfn) throw new Error(`node ${device}: private memory registered at pfn ${d.resource.firstPfn}, expected ${resource.firstPfn}`);
  return { kind, devmem: d };
}
