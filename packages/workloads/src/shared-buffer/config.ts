/**
 * The shared-buffer workload's config section: a process on a CPU node
 * maps a buffer and the devices read and write it through the bus.
 */
import { z } from 'zod';
import { nodeId, nsToPs, type NodeId, type Ps } from '@cdmsim/engine';
import { DEVICE_FAULT_POLICIES, type DeviceFaultPolicy } from '@cdmsim/platform';
import { defineWorkloadConfig, formatBytes, psAsNs, listNames, nodeNameField, powerOfTwoSizeField, sizeField, type PathIssue, type WorkloadSpec } from '@cdmsim/config';

/** The kind of this workload in config files. */
export const SHARED_BUFFER = 'shared-buffer';

/** How devices build their mirrors: the whole slice with range faults before the first access, or page by page as accesses fault. */
export const MIRROR_MODES = ['prefetch', 'on-fault'] as const;

/** How a device builds its mirror of the buffer. */
export type MirrorMode = (typeof MIRROR_MODES)[number];

/** Where the buffer is while the devices work: where first touch put it (the process's RAM), or each slice in its device's memory. */
export const PLACEMENTS = ['ram', 'device'] as const;

/** Where the buffer is while the devices work. */
export type Placement = (typeof PLACEMENTS)[number];

/** Largest allowed buffer in bytes (1 GiB). */
export const MAX_BUFFER_BYTES = 2 ** 30;

/** The shared-buffer experiment: devices access one buffer owned by a process on CPU node `process`. */
export interface SharedBufferWorkloadSpec extends WorkloadSpec {
  readonly kind: typeof SHARED_BUFFER;
  readonly process: NodeId;
  readonly bufferBytes: number;
  readonly accessBytes: number;
  readonly accessesPerDevice: number;
  readonly writeFraction: number;
  readonly overlap: boolean;
  readonly thinkTimePs: Ps;
  readonly mirror: MirrorMode;
  readonly placement: Placement;
  readonly onDeviceFault: DeviceFaultPolicy;
}

/** True when the run moves pages into device memory (placement or migrate on fault): the drivers then register the buffer's page count. */
export function movesPagesToDevices(w: SharedBufferWorkloadSpec): boolean {
  return w.placement === 'device' || w.onDeviceFault === 'migrate';
}

const fields = {
  process: nodeNameField('CPU node the process runs on; default: the first cpu.').optional(),
  bufferSize: sizeField('Size of the shared buffer (at most 1GiB).')
    .prefault('1MiB')
    .refine((b) => b <= MAX_BUFFER_BYTES, { error: 'must be at most 1GiB' }),
  accessSize: powerOfTwoSizeField('Bytes per device access (power of two, 8B to pageSize).')
    .prefault('64B')
    .refine((b) => b >= 8, { error: 'must be at least 8B (a write carries its 8-byte tag)' }),
  accessesPerDevice: z.number().int().positive().default(512).describe('Accesses each device makes.'),
  writeFraction: z.number().min(0).max(1).default(0.5).describe('Fraction of accesses that are writes, 0..1.'),
  overlap: z.boolean().default(false).describe('false: devices work on disjoint slices (race free); true: all devices hit the whole buffer (racy).'),
  thinkTimeNs: z.number().min(0).default(50).describe('Device compute time between accesses, in nanoseconds (≥ 0).'),
  mirror: z
    .enum(MIRROR_MODES)
    .default('prefetch')
    .describe('prefetch: each device mirrors its whole slice with range faults before its first access. on-fault: devices start with empty mirrors; an access that finds no entry is a device fault, serviced by the driver in batches (the device\'s faultBatchSize, faultLatencyNs per batch, perFaultLatencyNs per fault).'),
  placement: z
    .enum(PLACEMENTS)
    .default('ram')
    .describe('ram: the buffer stays where first touch put it (the process\'s CPU node). device: after the fill the process migrates each device\'s slice to that device\'s memory (the driver\'s migrate hint, migrate_vma, the device copying) and migrates the buffer back to RAM (the reverse hint) before it verifies. Needs overlap: false.'),
  onDeviceFault: z
    .enum(DEVICE_FAULT_POLICIES)
    .default('map')
    .describe('With mirror: on-fault, what a device fault does with its page. map: map it where it is (remote access over the bus). migrate: the driver first asks the process\'s CPU node to migrate the faulting pages into the device\'s memory (migrate on fault), then maps them; the buffer goes back to RAM before the process verifies. migrate needs overlap: false.'),
};

/** The config section of the shared-buffer workload. */
export const sharedBufferConfig = defineWorkloadConfig<SharedBufferWorkloadSpec, typeof fields>({
  kind: SHARED_BUFFER,
  description: 'The shared-buffer experiment: devices read and write one buffer of a process.',
  fields,
  check(machine, w) {
    const issues: PathIssue[] = [];
    const cpuNames = machine.cpus.map((c) => c.name);
    if (w.process !== undefined && !cpuNames.includes(w.process)) {
      const isDevice = machine.devices.some((d) => d.name === w.process);
      const what = isDevice ? `"${w.process}" is a device, not a CPU node` : `no CPU node named "${w.process}"`;
      issues.push({ path: ['workload', 'process'], message: `${what} (cpus: ${listNames(cpuNames)})` });
    }
    if (w.accessSize > machine.pageSize) {
      issues.push({ path: ['workload', 'accessSize'], message: `must be at most pageSize ${formatBytes(machine.pageSize)} (got ${formatBytes(w.accessSize)})` });
    }
    if (w.bufferSize < w.accessSize) {
      issues.push({ path: ['workload', 'bufferSize'], message: `must be at least accessSize ${formatBytes(w.accessSize)} (got ${formatBytes(w.bufferSize)})` });
    }
    if (w.placement === 'device' && w.overlap) issues.push({ path: ['workload', 'placement'], message: 'device placement moves each device\'s slice to it, so it needs overlap: false' });
    if (w.onDeviceFault === 'migrate') {
      if (w.mirror !== 'on-fault') issues.push({ path: ['workload', 'onDeviceFault'], message: 'migrate acts on device faults, so it needs mirror: on-fault (prefetched mirrors never fault)' });
      if (w.overlap) issues.push({ path: ['workload', 'onDeviceFault'], message: 'migrate on fault with overlap: true would move pages back and forth between the devices; it needs overlap: false' });
    }
    if (w.placement === 'device' || w.onDeviceFault === 'migrate') {
      machine.devices.forEach((d, i) => {
        if (d.memory.size < w.bufferSize) issues.push({ path: ['devices', i, 'memory', 'size'], message: `holds less than workload.bufferSize ${formatBytes(w.bufferSize)}, which each driver registers when pages move to devices` });
      });
    }
    return issues;
  },
  resolve(w, machine) {
    return {
      kind: SHARED_BUFFER,
      process: w.process === undefined ? nodeId(0) : machine.nodeId(w.process),
      bufferBytes: w.bufferSize,
      accessBytes: w.accessSize,
      accessesPerDevice: w.accessesPerDevice,
      writeFraction: w.writeFraction,
      overlap: w.overlap,
      thinkTimePs: nsToPs(w.thinkTimeNs),
      mirror: w.mirror,
      placement: w.placement,
      onDeviceFault: w.onDeviceFault,
    };
  },
  document(spec, context) {
    return {
      process: context.nodeName(spec['process'], ['workload', 'process']),
      bufferSize: spec['bufferBytes'],
      accessSize: spec['accessBytes'],
      accessesPerDevice: spec['accessesPerDevice'],
      writeFraction: spec['writeFraction'],
      overlap: spec['overlap'],
      thinkTimeNs: psAsNs(spec['thinkTimePs']),
      mirror: spec['mirror'],
      placement: spec['placement'],
      onDeviceFault: spec['onDeviceFault'],
    };
  },
});

/** The section of the built-in experiment, every field spelled out (also the defaults when the section is absent). */
export const SHARED_BUFFER_EXAMPLE_YAML = `# The default experiment, every field spelled out (these are also the defaults
# when the section is absent).
workload:
  kind: shared-buffer
  process: cpu0
  bufferSize: 1MiB
  accessSize: 64B
  accessesPerDevice: 512
  writeFraction: 0.5
  overlap: false
  thinkTimeNs: 50
  mirror: prefetch
  placement: ram
  onDeviceFault: map
`;
