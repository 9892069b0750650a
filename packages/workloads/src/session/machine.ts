/**
 * The built-in machine of the test-device sessions (the kernel's HMM
 * self-test fixtures): one CPU socket and two devices joined by coherent
 * links, the devices' memory private (`hmm_device_private`, `hmm2` private),
 * coherent (`hmm_device_coherent`) or one of each (the HMM stress), big
 * enough for the self-tests' 4 MiB buffers.
 */

/** The flavours of the test device: device-private memory, device-coherent (CDM, `MEMORY_DEVICE_PUBLIC`), or one of each (gpu0 private, gpu1 coherent). */
export const DMIRROR_FLAVOURS = ['private', 'coherent', 'mixed'] as const;

/** A test-device flavour. */
export type DmirrorFlavour = (typeof DMIRROR_FLAVOURS)[number];

/** The `source` of the built-in session machine. */
export const SESSION_MACHINE_SOURCE = '<built-in hmm-test machine>';

/** Returns the YAML text of the session machine with devices of `flavour`. */
export function sessionMachineYaml(flavour: DmirrorFlavour): string {
  const kinds = { private: ['private', 'private'], coherent: ['public', 'public'], mixed: ['private', 'public'] }[flavour];
  return `name: hmm-test-1cpu-2gpu-${flavour}
pageSize: 4KiB

cpus:
  - name: cpu0
    cores: 8
    faultLatencyNs: 1000
    dram: { size: 64MiB, latencyNs: 90, bandwidthGBps: 170 }
    cache: { size: 8MiB, ways: 16, lineSize: 128B, hitLatencyNs: 12 }

devices:
  - name: gpu0
    kind: gpu
    memory: { size: 8MiB, kind: ${kinds[0]}, latencyNs: 400, bandwidthGBps: 900 }
    cache: { size: 6MiB, ways: 16, lineSize: 128B, hitLatencyNs: 125 }
    faultLatencyNs: 20000
    copyBandwidthGBps: 60
  - name: gpu1
    kind: gpu
    memory: { size: 8MiB, kind: ${kinds[1]}, latencyNs: 400, bandwidthGBps: 900 }
    cache: { size: 6MiB, ways: 16, lineSize: 128B, hitLatencyNs: 125 }
    faultLatencyNs: 20000
    copyBandwidthGBps: 60

links:
  - { between: [gpu0, cpu0], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }
  - { between: [gpu1, cpu0], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }
  - { between: [gpu0, gpu1], kind: nvlink, latencyNs: 100, bandwidthGBps: 75, headerBytes: 16, coherent: true }

workload:
  kind: session
`;
}
