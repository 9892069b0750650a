/**
 * The shared-buffer workload's role on one node: every CPU node serves
 * range faults for its processes; the workload's CPU node also runs the
 * process; every device runs its slice of accesses.
 */
import { FrameAllocator, ProcessHost, PageMemory, type NodeEnv, type ProcessHostStats } from '@cdmsim/platform';
import type { SharedBufferWorkloadSpec } from './config.js';
import { SharedBufferDevice, type DeviceWorkloadStats } from './device-role.js';
import { SharedBufferProcess, type SharedBufferOutcome } from './process-role.js';
import type { WorkloadRole } from '../workload.js';

/** One node's share of a shared-buffer run. */
export interface SharedBufferNodeReport {
  /** A CPU node: its processes' memory management. */
  readonly host?: ProcessHostStats;
  /** The process's node: the run's outcome. */
  readonly outcome?: SharedBufferOutcome;
  /** A device: its accesses. */
  readonly device?: DeviceWorkloadStats;
}

/** Returns node `env.kernel.self`'s role in a shared-buffer run of `spec`. */
export function sharedBufferRole(env: NodeEnv, spec: SharedBufferWorkloadSpec): WorkloadRole<SharedBufferNodeReport> {
  const { kernel, shared } = env;
  const config = { ...env.config, workload: spec };
  const self = kernel.self;
  const allocator = new FrameAllocator(env.memory.ranges[self]!);
  const pages = new PageMemory(shared.frames, shared.content);
  const frames = { framesInUse: () => allocator.allocated, framesTouched: () => allocator.everAllocated };
  if (kernel.spec.kind !== 'cpu') {
    const device = new SharedBufferDevice(kernel, config, env.memory);
    kernel.on('control', (e) => device.start(e));
    kernel.on('rangeFaultReply', (e) => device.mirrorReply(e));
    kernel.on('memResp', (e) => device.response(e));
    return { ...frames, finish: () => ({ device: device.stats }) };
  }
  const release = (pfn: number): void => {
    pages.release(pfn);
    shared.frames.setFlags(pfn, 0);
    shared.frames.setMapping(pfn, 0);
    shared.frames.setIndex(pfn, 0);
    allocator.free(pfn);
  };
  const host = new ProcessHost(kernel, allocator, release);
  kernel.on('rangeFault', (e) => host.rangeFault(e));
  let process: SharedBufferProcess | undefined;
  if (spec.process === self) {
    process = new SharedBufferProcess(kernel, config, host, env.home, shared.pageTables, shared.frames);
    kernel.on('control', (e) => process!.control(e));
    process.begin();
  }
  return { ...frames, finish: () => ({ host: host.stats, ...(process?.outcome ? { outcome: process.outcome } : {}) }) };
}
