/**
 * The resolved topology and experiment the simulator runs: times in integer
 * picoseconds, sizes in bytes, bandwidths in bytes/ns, references as ids.
 * Everything here is plain JSON data (posted to workers, written to results).
 */
import type { LinkId, NodeId, Ps } from '@cdmsim/engine';
import type { BROKEN_PROTOCOL_NAMES, DEVICE_MEMORY_KINDS, LINK_KINDS, LITMUS_TEST_NAMES, MM_STRESS_SABOTAGE_NAMES } from './schema.js';

/** A link kind: `smp` joins CPU sockets; the others attach devices. */
export type LinkKind = (typeof LINK_KINDS)[number];
/** What a memory is: CPU DRAM, CDM (`MEMORY_DEVICE_PUBLIC`) or HMM device-private. */
export type MemoryKind = 'system' | (typeof DEVICE_MEMORY_KINDS)[number];

/** A node's coherent cache. `sizeBytes` is a multiple of `ways * lineBytes`. */
export interface CacheSpec {
  sizeBytes: number;
  ways: number;
  lineBytes: number;
  hitLatencyPs: Ps;
}

/** A node's memory; its `MemNodeId` equals the owning node's `NodeId`. `sizeBytes` is a multiple of the page size. */
export interface MemorySpec {
  sizeBytes: number;
  latencyPs: Ps;
  bandwidthBytesPerNs: number;
  kind: MemoryKind;
}

/** A CPU node (socket); its memory has kind 'system'. */
export interface CpuNodeSpec {
  id: NodeId;
  kind: 'cpu';
  name: string;
  cores: number;
  /** Cost of a CPU page fault (trap + allocation + PTE install), excluding the page write. */
  faultLatencyPs: Ps;
  memory: MemorySpec;
  cache: CacheSpec;
}

/** A device (GPU) with its memory, driver fault cost and DMA copy engine. */
export interface DeviceNodeSpec {
  id: NodeId;
  kind: 'gpu';
  name: string;
  memory: MemorySpec;
  cache: CacheSpec;
  faultLatencyPs: Ps;
  copyBandwidthBytesPerNs: number;
}

/** Any node; discriminate on `kind`. */
export type NodeSpec = CpuNodeSpec | DeviceNodeSpec;

/** A point-to-point link between nodes `a` and `b` (distinct; at most one link per pair). */
export interface LinkSpec {
  id: LinkId;
  name: string;
  a: NodeId;
  b: NodeId;
  kind: LinkKind;
  latencyPs: Ps;
  bandwidthBytesPerNs: number;
  headerBytes: number;
  coherent: boolean;
}

/** The shared-buffer experiment: devices access one buffer owned by a process on CPU node `process`. */
export interface SharedBufferWorkloadSpec {
  kind: 'shared-buffer';
  process: NodeId;
  bufferBytes: number;
  accessBytes: number;
  accessesPerDevice: number;
  writeFraction: number;
  overlap: boolean;
  thinkTimePs: Ps;
}

/** TEST ONLY: the name of a deliberately broken protocol variant. */
export type BrokenProtocolName = (typeof BROKEN_PROTOCOL_NAMES)[number];

/**
 * The coherence random tester on the real simulator: every node's cache
 * issues `opsPerNode` random loads and stores (one at a time) on `lines`
 * shared lines homed in different nodes' memories. Every cache of the
 * machine has the same line size (validated).
 */
export interface CoherenceRandomWorkloadSpec {
  kind: 'coherence-random';
  lines: number;
  opsPerNode: number;
  storeFraction: number;
  maxThinkPs: Ps;
  flushesPer100Ops: number;
  /** When set, every node's cache holds only this many lines (one fully associative set) for this workload. */
  cacheLines?: number;
  /** A node's coherence transaction outstanding this long fails the run (deadlock / livelock); default: from the topology. */
  watchdogPs?: Ps;
  /** TEST ONLY: run this broken protocol variant (checkers must catch it). */
  testOnlyBrokenProtocol?: BrokenProtocolName;
}

/** The name of a litmus test of @cdmsim/coherence. */
export type LitmusTestName = (typeof LITMUS_TEST_NAMES)[number];

/**
 * A litmus test of @cdmsim/coherence on the real simulator: thread i runs on
 * the i-th node of the CPU/GPU alternation, the test's locations are homed on
 * different nodes, and the outcome is checked against the forbidden ones.
 */
export interface LitmusWorkloadSpec {
  kind: 'litmus';
  test: LitmusTestName;
  maxStartPs: Ps;
  maxThinkPs: Ps;
  /** When set, every node's cache holds only this many lines (one fully associative set). */
  cacheLines?: number;
  /** A node's coherence transaction outstanding this long fails the run (deadlock / livelock); default: from the topology. */
  watchdogPs?: Ps;
}

/** A rule the mm-stress workload can break on purpose (tests only). */
export type MmStressSabotageName = (typeof MM_STRESS_SABOTAGE_NAMES)[number];

/** The mm stress across node workers (`kind: mm-stress`). */
export interface MmStressWorkloadSpec {
  kind: 'mm-stress';
  /** Random mm operations each CPU node runs. */
  opsPerCpu: number;
  /** Most live processes per CPU node. */
  processesPerCpu: number;
  /** RAM pages each CPU node's allocator hands out. */
  ramPagesPerCpu: number;
  /** Device pages each device's driver registers. */
  devicePages: number;
  /** Limit of each CPU node's limited memcg, in pages. */
  memcgLimitPages: number;
  /** A driver evicts when fewer of its pages than this are free (0 = never). */
  evictBelowFreePages: number;
  /** Think time between a CPU node's operations is drawn from [0, maxThinkPs]. */
  maxThinkPs: Ps;
  /** Model coherent caches (CPU stores through the cache, flush before DMA, invalidate before reuse). */
  caches: boolean;
  /** Lines of every node's cache with `caches` (one fully associative set). */
  cacheLines: number;
  /** TEST ONLY: break one rule mid-run. */
  testOnlySabotage?: MmStressSabotageName;
}

/** The experiment to run; discriminate on `kind`. */
export type WorkloadSpec = SharedBufferWorkloadSpec | CoherenceRandomWorkloadSpec | LitmusWorkloadSpec | MmStressWorkloadSpec;

/**
 * A validated machine. `nodes` holds CPUs (ids 0..C-1) then devices (ids
 * C..C+D-1) with `nodes[id].id === id`; `links[id].id === id`; the machine is
 * connected and every device with public memory reaches a CPU over coherent links.
 */
export interface Topology {
  name: string;
  pageSizeBytes: number;
  nodes: NodeSpec[];
  cpus: CpuNodeSpec[];
  devices: DeviceNodeSpec[];
  links: LinkSpec[];
}

/** A topology plus the workload to run on it, and where it came from (file path, '<built-in default>' or '<object>'). */
export interface SimConfig {
  topology: Topology;
  workload: WorkloadSpec;
  source: string;
}
