/**
 * What a node is built from inside its worker: its kernel, the run's
 * config and mode, the machine's memory map, the home agent of its own
 * memory, and the run's shared state attached in this thread. The runtime
 * builds one per node; a workload builds its role on it from platform
 * parts (host, device driver, coherent node, page caches).
 */
import type { SimConfig } from '@cdmsim/config';
import type { EventOrder, NodeKernel } from '@cdmsim/kernel';
import type { CoherenceWatch, ContentStore, FrameTable, MemcgCounters, PageTables } from '@cdmsim/shm';
import type { HomeAgent } from './memory/home-agent.js';
import type { MemoryRanges } from './memory/memory-map.js';

/** The run's shared state as one worker sees it (attached from `SharedHandles`). */
export interface AttachedState {
  readonly frames: FrameTable;
  readonly content: ContentStore;
  /** Process page tables (owned by each process's CPU node). */
  readonly pageTables: PageTables;
  /** Device mirror page tables (each root owned by its device). */
  readonly mirrorTables: PageTables;
  /** The cross-worker coherence watch, when the workload asked for one (`SharedNeeds.coherenceLines`). */
  readonly coherence?: CoherenceWatch;
  /** The shared memcg counters, when the workload asked for them (`SharedNeeds.memcgSlots`). */
  readonly memcgs?: MemcgCounters;
}

/** One node's environment: what its workload role is built on. */
export interface NodeEnv {
  readonly kernel: NodeKernel;
  readonly config: SimConfig;
  readonly mode: EventOrder;
  /** Every memory of the machine, by pfn. */
  readonly memory: MemoryRanges;
  /** The home agent of this node's memory (serves accesses from other nodes; its handler is registered). */
  readonly home: HomeAgent;
  readonly shared: AttachedState;
}
