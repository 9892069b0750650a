/**
 * The resolved topology and experiment the simulator runs: times in integer
 * picoseconds, sizes in bytes, bandwidths in bytes/ns, references as ids.
 * Everything here is plain JSON data (posted to workers, written to results).
 */
import type { LinkId, NodeId, Ps } from '@cdmsim/engine';
import type { DEVICE_MEMORY_KINDS, LINK_KINDS } from './schema.js';

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

/** A device (GPU) with its memory, driver fault costs and batching, and DMA copy engine. */
export interface DeviceNodeSpec {
  id: NodeId;
  kind: 'gpu';
  name: string;
  memory: MemorySpec;
  cache: CacheSpec;
  /** Cost of one batch of device faults through the driver (the round trip). */
  faultLatencyPs: Ps;
  /** Faults the driver services per batch. */
  faultBatchSize: number;
  /** Driver cost per fault of a batch, on top of `faultLatencyPs`. */
  perFaultLatencyPs: Ps;
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

/**
 * The resolved workload of a config: its `kind` plus the fields that kind
 * defines (times in ps, sizes in bytes, node references as ids). Each
 * workload kind declares its own spec (see @cdmsim/workloads); the config
 * format learns kinds only through the `WorkloadCatalog` it is built with.
 */
export interface WorkloadSpec {
  readonly kind: string;
}

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
export interface SimConfig<W extends WorkloadSpec = WorkloadSpec> {
  topology: Topology;
  workload: W;
  source: string;
}
