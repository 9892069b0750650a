/**
 * The built-in default machine, as YAML text without a workload section. It
 * goes through the same parser as user files (so it is validated like one).
 * The built-in experiment (`examples/default.yaml`, `defaultConfig()` of
 * @cdmsim/workloads) is this text plus the default workload's section.
 */
import { parseMachineYaml } from './load.js';
import type { Topology } from './types.js';

/** The `source` of the built-in default machine and experiment. */
export const DEFAULT_SOURCE = '<built-in default>';

/** YAML text of the default machine: an IBM POWER9 AC922 with four NVIDIA V100 GPUs. */
export const DEFAULT_MACHINE_YAML = `# yaml-language-server: $schema=../schema/cdmsim-config.schema.json
#
# cdmsim built-in default machine, modelled on the IBM Power System AC922
# (2 x POWER9, 4 x NVIDIA V100 SXM2 16 GB on NVLink 2.0), the commercial
# cache-coherent device memory (CDM) platform the 2017 HMM-CDM thread refers to.
#
# Sources:
#   [AC922]  IBM Redpaper REDP-5472 "IBM Power System AC922 Introduction and
#            Technical Overview" (2018) and REDP-5494 (2018): X-Bus between
#            the sockets, NVLink 2.0 at 25 GB/s per direction per brick, 4-GPU
#            configuration with 3 bricks per GPU to its CPU (150 GB/s
#            bidirectional), ~170 GB/s DDR4 bandwidth per socket.
#   [P9]     POWER9 processor: 128-byte cache lines, 10 MB L3 region per core
#            pair (20-way) -> 110 MB L3 on a 22-core chip.
#   [V100]   NVIDIA Tesla V100 datasheet / Volta whitepaper (2017): 16 GB HBM2
#            at 900 GB/s, 6 MB L2, 6 NVLink 2.0 bricks.
#   [JIA18]  Jia et al., "Dissecting the NVIDIA Volta GPU Architecture via
#            Microbenchmarking" (2018): L2 hit ~193 cycles; DRAM some hundreds
#            of cycles more.
# Latencies marked "estimate" are round figures chosen to be defensible, not
# measurements of this machine; change them here to run what-if studies.
name: default-2cpu-4gpu
pageSize: 4KiB                 # Linux base page on x86; POWER9 Linux usually runs 64KiB pages

cpus:
  - name: cpu0
    cores: 22                  # [AC922] 22-core POWER9 option
    faultLatencyNs: 1000       # estimate: an anonymous minor fault (trap, allocate, install PTE) is about 1 us on Linux
    dram:
      size: 256GiB             # 8 x 32 GB RDIMM per socket
      latencyNs: 90            # estimate: typical local DDR4 load-to-use latency
      bandwidthGBps: 170       # [AC922]
    # [P9] L3; associativity modelled as 16 (the simulator needs a power of two; real L3 is 20-way)
    cache: { size: 110MiB, ways: 16, lineSize: 128B, hitLatencyNs: 12 }   # hit: estimate, ~35 cycles at ~3 GHz
  - name: cpu1
    cores: 22
    faultLatencyNs: 1000
    dram: { size: 256GiB, latencyNs: 90, bandwidthGBps: 170 }
    cache: { size: 110MiB, ways: 16, lineSize: 128B, hitLatencyNs: 12 }

devices:
  - name: gpu0
    kind: gpu
    memory:
      size: 16GiB              # [V100] HBM2
      kind: public             # CDM: coherent over NVLink 2.0, CPU addressable (MEMORY_DEVICE_PUBLIC)
      latencyNs: 400           # estimate from [JIA18]: several hundred cycles at 1.53 GHz
      bandwidthGBps: 900       # [V100]
    # [V100] L2: 6 MiB, 128-byte lines; associativity modelled as 16
    cache: { size: 6MiB, ways: 16, lineSize: 128B, hitLatencyNs: 125 }   # [JIA18] ~193 cycles at 1.53 GHz
    faultLatencyNs: 20000      # estimate: GPU page-fault servicing by the driver costs tens of microseconds
    copyBandwidthGBps: 60      # estimate: DMA copies reach most of the 75 GB/s NVLink peak
  - name: gpu1
    kind: gpu
    memory: { size: 16GiB, kind: public, latencyNs: 400, bandwidthGBps: 900 }
    cache: { size: 6MiB, ways: 16, lineSize: 128B, hitLatencyNs: 125 }
    faultLatencyNs: 20000
    copyBandwidthGBps: 60
  - name: gpu2
    kind: gpu
    memory: { size: 16GiB, kind: public, latencyNs: 400, bandwidthGBps: 900 }
    cache: { size: 6MiB, ways: 16, lineSize: 128B, hitLatencyNs: 125 }
    faultLatencyNs: 20000
    copyBandwidthGBps: 60
  - name: gpu3
    kind: gpu
    memory: { size: 16GiB, kind: public, latencyNs: 400, bandwidthGBps: 900 }
    cache: { size: 6MiB, ways: 16, lineSize: 128B, hitLatencyNs: 125 }
    faultLatencyNs: 20000
    copyBandwidthGBps: 60

# headerBytes: NVLink moves 16-byte flits and every packet starts with one
# header flit, so 16; the X-Bus figure is an estimate of the same order.
links:
  # [AC922] X-Bus SMP link between the sockets, 64 GB/s per direction.
  # Latency estimate: remote-socket loads cost roughly 1.5x local ones.
  - { between: [cpu0, cpu1], kind: smp, latencyNs: 60, bandwidthGBps: 64, headerBytes: 16, coherent: true }

  # [AC922] NVLink 2.0 CPU-GPU, 3 bricks x 25 GB/s = 75 GB/s per direction;
  # GPUs 0,1 on socket 0 and GPUs 2,3 on socket 1. Latency: estimate.
  - { between: [gpu0, cpu0], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }
  - { between: [gpu1, cpu0], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }
  - { between: [gpu2, cpu1], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }
  - { between: [gpu3, cpu1], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }

  # NVLink 2.0 GPU-GPU full mesh. Same-socket pairs are real [AC922]: 3 bricks,
  # 75 GB/s per direction. The real AC922 has no direct link between GPUs on
  # different sockets (their traffic crosses the X-Bus); the cross-socket links
  # below are a what-if at one brick, 25 GB/s per direction. Latency: estimate.
  - { between: [gpu0, gpu1], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }
  - { between: [gpu2, gpu3], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }
  - { between: [gpu0, gpu2], kind: nvlink, latencyNs: 100, bandwidthGBps: 25, headerBytes: 16, coherent: true }
  - { between: [gpu0, gpu3], kind: nvlink, latencyNs: 100, bandwidthGBps: 25, headerBytes: 16, coherent: true }
  - { between: [gpu1, gpu2], kind: nvlink, latencyNs: 100, bandwidthGBps: 25, headerBytes: 16, coherent: true }
  - { between: [gpu1, gpu3], kind: nvlink, latencyNs: 100, bandwidthGBps: 25, headerBytes: 16, coherent: true }
`;

/**
 * Returns the built-in default machine, parsed and validated from
 * {@link DEFAULT_MACHINE_YAML}. A fresh object on every call, so callers
 * may modify it.
 */
export function defaultTopology(): Topology {
  return parseMachineYaml(DEFAULT_MACHINE_YAML, DEFAULT_SOURCE);
}
