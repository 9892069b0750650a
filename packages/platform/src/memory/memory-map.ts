/**
 * The physical memory map of a topology: every node's memory (CPU DRAM,
 * device memory) owns one contiguous range of global page frame numbers, in
 * node order, laid out by @cdmsim/shm's `layoutMemories`. A physical byte
 * address is `pfn * pageSize + offset`; the memory node id equals the node
 * id of its home agent.
 */
import type { NodeId } from '@cdmsim/engine';
import type { MemoryKind, Topology } from '@cdmsim/config';
import { layoutMemories, MemoryMap, PageType, type MemoryDesc } from '@cdmsim/shm';

/** One memory node's frame range and who serves it. */
export interface MemoryRange extends MemoryDesc {
  /** The node whose worker is the home agent of this memory. */
  readonly home: NodeId;
  readonly kind: MemoryKind;
}

/** Page type of each memory kind (`enum memory_type`). */
export const PAGE_TYPE_OF: Readonly<Record<MemoryKind, PageType>> = {
  system: PageType.SYSTEM_RAM,
  public: PageType.DEVICE_PUBLIC,
  private: PageType.DEVICE_PRIVATE,
};

/** Returns the memory map of `topology`, one range per node, in node order. */
export function memoryMap(topology: Topology): MemoryRange[] {
  const descs = layoutMemories(
    topology.nodes.map((node) => ({
      memNode: node.id as number as MemoryDesc['memNode'],
      type: PAGE_TYPE_OF[node.memory.kind],
      frameCount: Math.floor(node.memory.sizeBytes / topology.pageSizeBytes),
    })),
  );
  return descs.map((d, i) => ({ ...d, home: topology.nodes[i]!.id, kind: topology.nodes[i]!.memory.kind }));
}

/** Lookup from pfn to its memory range. */
export class MemoryRanges {
  readonly ranges: readonly MemoryRange[];
  readonly #map: MemoryMap;

  constructor(ranges: readonly MemoryRange[]) {
    this.ranges = ranges;
    this.#map = new MemoryMap(ranges);
  }

  /** Returns the range holding `pfn`, or undefined when no memory has it. */
  of(pfn: number): MemoryRange | undefined {
    // Ranges are laid out in node order, so the map's sorted order is ours.
    const i = this.#map.indexOf(pfn);
    return i < 0 ? undefined : this.ranges[i];
  }
}
