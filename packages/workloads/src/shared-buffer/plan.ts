/**
 * How the shared-buffer workload divides its buffer among devices. Both the
 * process side and the device side compute the plan from the config alone,
 * so they agree without exchanging it.
 */
import type { NodeId } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import type { SharedBufferWorkloadSpec } from './config.js';

/** Virtual address the process maps its buffer at. */
export const BUFFER_VADDR = 0x10_0000_0000;
/** Process id of the workload's process. */
export const WORKLOAD_PID = 1;
/** Accesses a device keeps in flight at once (its memory-level parallelism). */
export const DEVICE_OUTSTANDING_ACCESSES = 8;
/** Pages per device range fault (hmm_range_fault call) when building its mirror. */
export const PAGES_PER_RANGE_FAULT = 512;

/** One device's part of the buffer. */
export interface DeviceSlice {
  readonly device: NodeId;
  /** Index of the device among all devices (its write tag). */
  readonly index: number;
  readonly startBytes: number;
  readonly bytes: number;
}

/** Returns every device's slice: disjoint chunk-aligned slices, or the whole buffer for all when `overlap`. */
export function planSlices(config: SimConfig<SharedBufferWorkloadSpec>): DeviceSlice[] {
  const { topology } = config;
  const workload = config.workload;
  const devices = topology.devices;
  const chunks = Math.floor(workload.bufferBytes / workload.accessBytes);
  if (workload.overlap) {
    return devices.map((d, index) => ({ device: d.id, index, startBytes: 0, bytes: chunks * workload.accessBytes }));
  }
  const per = Math.floor(chunks / Math.max(1, devices.length));
  return devices.map((d, index) => {
    const first = index * per;
    const count = index === devices.length - 1 ? chunks - first : per;
    return { device: d.id, index, startBytes: first * workload.accessBytes, bytes: count * workload.accessBytes };
  });
}

