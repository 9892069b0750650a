/**
 * How the shared-buffer workload divides its buffer among devices. Both the
 * process side and the device side compute the plan from the config alone,
 * so they agree without exchanging it.
 */
import type { NodeId } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import type { SharedBufferWorkloadSpec } from './config.js';

/** Accesses a device keeps in flight at once (its memory-level parallelism). */
export const DEVICE_OUTSTANDING_ACCESSES = 8;

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

