/**
 * Small synthetic machines for tests, the random tester and litmus tests:
 * CPU sockets joined by an SMP link, GPUs each attached to one CPU by a
 * coherent link, and deliberately tiny caches so that lines conflict and get
 * replaced. Real runs use topologies from @cdmsim/config.
 */
import { linkId, nodeId, type Ps } from '@cdmsim/engine';
import type { CpuNodeSpec, DeviceNodeSpec, LinkSpec, Topology } from '@cdmsim/config';

/** Shape of a small machine. */
export interface SmallTopologyOptions {
  readonly cpus: number;
  readonly gpus: number;
  /** Cache sets per agent (default 2) and ways (default 2). */
  readonly cacheSets?: number;
  readonly cacheWays?: number;
  readonly lineBytes?: number;
  readonly pageSizeBytes?: number;
  /** Kind of the GPUs' memory (default 'public'). */
  readonly gpuMemoryKind?: 'public' | 'private';
  readonly linkLatencyPs?: Ps;
}

/** Returns a small valid topology: nodes 0..cpus-1 are CPUs, then GPUs (GPU g attached to CPU g mod cpus). */
export function smallTopology(o: SmallTopologyOptions): Topology {
  const lineBytes = o.lineBytes ?? 64;
  const cache = (hitLatencyPs: Ps) => ({ sizeBytes: (o.cacheSets ?? 2) * (o.cacheWays ?? 2) * lineBytes, ways: o.cacheWays ?? 2, lineBytes, hitLatencyPs });
  const cpus: CpuNodeSpec[] = Array.from({ length: o.cpus }, (_, i) => ({
    id: nodeId(i), kind: 'cpu', name: `cpu${i}`, cores: 4, faultLatencyPs: 1_000_000,
    memory: { sizeBytes: 1 << 30, latencyPs: 90_000, bandwidthBytesPerNs: 100, kind: 'system' }, cache: cache(12_000),
  }));
  const devices: DeviceNodeSpec[] = Array.from({ length: o.gpus }, (_, g) => ({
    id: nodeId(o.cpus + g), kind: 'gpu', name: `gpu${g}`, faultLatencyPs: 20_000_000, faultBatchSize: 256, perFaultLatencyPs: 1_000_000, copyBandwidthBytesPerNs: 60,
    memory: { sizeBytes: 1 << 30, latencyPs: 400_000, bandwidthBytesPerNs: 900, kind: o.gpuMemoryKind ?? 'public' }, cache: cache(125_000),
  }));
  const links: LinkSpec[] = [];
  const lat = o.linkLatencyPs ?? 100_000;
  for (let i = 1; i < o.cpus; i++) links.push({ id: linkId(links.length), name: `smp${i}`, a: nodeId(0), b: nodeId(i), kind: 'smp', latencyPs: lat, bandwidthBytesPerNs: 64, headerBytes: 16, coherent: true });
  for (let g = 0; g < o.gpus; g++) links.push({ id: linkId(links.length), name: `nvlink${g}`, a: nodeId(g % Math.max(1, o.cpus)), b: nodeId(o.cpus + g), kind: 'nvlink', latencyPs: lat * 2, bandwidthBytesPerNs: 75, headerBytes: 16, coherent: true });
  return { name: `small-${o.cpus}c${o.gpus}g`, pageSizeBytes: o.pageSizeBytes ?? 4096, nodes: [...cpus, ...devices], cpus, devices, links };
}
