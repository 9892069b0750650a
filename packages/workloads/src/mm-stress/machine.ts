/**
 * The built-in machine of `cdmsim stress mm --mode`, as YAML text: two CPU
 * sockets and three devices (CDM, device-private, CDM) with small memories,
 * so the stress crosses every page type and reaches every limit. Checked in
 * as `examples/mm-stress.yaml`, which a test keeps identical to this text.
 */

/** The `source` of the built-in mm-stress machine (`mmStressConfig`). */
export const MM_STRESS_SOURCE = '<built-in mm-stress machine>';

/** YAML text of the mm-stress machine. */
export const MM_STRESS_TOPOLOGY_YAML = `# yaml-language-server: $schema=../schema/cdmsim-config.schema.json
#
# The machine of "npx cdmsim stress mm --mode": two CPU sockets and three devices,
# one of each kind the patches manage and a second CDM device, so the stress
# crosses every page type:
#   gpu0  device-public memory (CDM, MEMORY_DEVICE_PUBLIC), CPU addressable
#   gpu1  device-private memory (HMM, MEMORY_DEVICE_PRIVATE), CPU faults on it
#   gpu2  device-public memory on the other socket
# Memories are small and the memcg limit low, so RAM exhaustion, memcg
# refusals, full devices and driver evictions all happen within a few
# hundred operations. Latencies follow examples/default.yaml (estimates).
name: mm-stress-2cpu-3gpu
pageSize: 4KiB

cpus:
  - name: cpu0
    cores: 8
    faultLatencyNs: 1000
    dram: { size: 4MiB, latencyNs: 90, bandwidthGBps: 170 }
    cache: { size: 8MiB, ways: 16, lineSize: 128B, hitLatencyNs: 12 }
  - name: cpu1
    cores: 8
    faultLatencyNs: 1000
    dram: { size: 4MiB, latencyNs: 90, bandwidthGBps: 170 }
    cache: { size: 8MiB, ways: 16, lineSize: 128B, hitLatencyNs: 12 }

devices:
  - name: gpu0
    kind: gpu
    memory: { size: 1MiB, kind: public, latencyNs: 400, bandwidthGBps: 900 }
    cache: { size: 6MiB, ways: 16, lineSize: 128B, hitLatencyNs: 125 }
    faultLatencyNs: 20000
    copyBandwidthGBps: 60
  - name: gpu1
    kind: gpu
    memory: { size: 1MiB, kind: private, latencyNs: 400, bandwidthGBps: 900 }
    cache: { size: 6MiB, ways: 16, lineSize: 128B, hitLatencyNs: 125 }
    faultLatencyNs: 20000
    copyBandwidthGBps: 60
  - name: gpu2
    kind: gpu
    memory: { size: 1MiB, kind: public, latencyNs: 400, bandwidthGBps: 900 }
    cache: { size: 6MiB, ways: 16, lineSize: 128B, hitLatencyNs: 125 }
    faultLatencyNs: 20000
    copyBandwidthGBps: 60

links:
  - { between: [cpu0, cpu1], kind: smp, latencyNs: 60, bandwidthGBps: 64, headerBytes: 16, coherent: true }
  - { between: [gpu0, cpu0], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }
  - { between: [gpu1, cpu0], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }
  - { between: [gpu2, cpu1], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }
  - { between: [gpu0, gpu1], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }
  - { between: [gpu1, gpu2], kind: nvlink, latencyNs: 100, bandwidthGBps: 25, headerBytes: 16, coherent: true }

workload:
  kind: mm-stress
  opsPerCpu: 300            # random operations per CPU node ("stress mm --ops" overrides)
  processesPerCpu: 4
  ramPagesPerCpu: 96        # RAM pages each CPU node hands out (the rest of its 4 MiB stays unused)
  devicePages: 16           # pages each driver registers
  memcgLimitPages: 24       # limit of each CPU node's limited memcg
  evictBelowFreePages: 4    # a driver asks for pages back when fewer than 4 are free
  maxThinkNs: 200
  caches: true              # CPU stores go through coherent caches; DMA sources are recalled first; freed frames are invalidated before reuse
  cacheLines: 4             # lines per cache, few so that writebacks cross the bus
`;
