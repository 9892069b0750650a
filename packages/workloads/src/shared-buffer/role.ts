/**
 * The shared-buffer workload's role on one node. Every CPU node hosts
 * processes on its memory manager and serves their range faults; the
 * workload's CPU node also runs the process. Every device runs its slice
 * of accesses with its driver (mirror, accesses through it).
 */
import { ControlChannel, createNodeMm, DeviceDriver, Host, type DeviceMmuStats, type HostStats, type MirrorNotifierStats, type NodeEnv, type NodeMigrationStats } from '@cdmsim/platform';
import { movesPagesToDevices, type SharedBufferWorkloadSpec } from './config.js';
import { SharedBufferDevice, type DeviceWorkloadStats } from './device-role.js';
import { SharedBufferProcess, type SharedBufferOutcome } from './process-role.js';
import type { WorkloadRole } from '../workload.js';

/** One node's share of a shared-buffer run. */
export interface SharedBufferNodeReport {
  /** A CPU node: its processes' memory management, and the invalidations of their device mirrors. */
  readonly host?: HostStats;
  readonly notifier?: MirrorNotifierStats;
  /** A CPU node: the migrations of its processes (device placement). */
  readonly migrations?: NodeMigrationStats;
  /** The process's node: the run's outcome. */
  readonly outcome?: SharedBufferOutcome;
  /** A device: its accesses, its MMU's range faults, accesses and invalidations, and the mirror entries it still holds at the end. */
  readonly device?: DeviceWorkloadStats;
  readonly mmu?: DeviceMmuStats;
  readonly mirrorEntries?: number;
}

/** Returns node `env.kernel.self`'s role in a shared-buffer run of `spec`. */
export function sharedBufferRole(env: NodeEnv, spec: SharedBufferWorkloadSpec): WorkloadRole<SharedBufferNodeReport> {
  const { kernel, shared } = env;
  const config = { ...env.config, workload: spec };
  const core = createNodeMm(config.topology, kernel.self, shared);
  const control = new ControlChannel(kernel);
  // With device placement every driver registers as many pages as the buffer has, and every CPU node attaches the same ranges.
  const devicePages = movesPagesToDevices(spec) ? Math.ceil(spec.bufferBytes / config.topology.pageSizeBytes) : undefined;
  if (kernel.spec.kind !== 'cpu') {
    const driver = new DeviceDriver(kernel, core, {
      evictBelowFreePages: 0,
      mirrorTables: shared.mirrorTables,
      memory: env.memory,
      onDeviceFault: spec.onDeviceFault,
      ...(devicePages !== undefined ? { devicePages } : {}),
    });
    const device = new SharedBufferDevice(kernel, config, driver, control);
    return { finish: () => ({ device: { ...device.stats }, mmu: { ...driver.mmu.stats }, mirrorEntries: driver.mmu.mirror.entries }) };
  }
  const host = new Host(kernel, core);
  if (devicePages !== undefined) for (const d of config.topology.devices) host.attachDevice(d.id, devicePages);
  const process = spec.process === kernel.self ? new SharedBufferProcess(kernel, config, host, env.home, control) : undefined;
  process?.begin();
  return {
    framesInUse: () => host.framesInUse,
    framesTouched: () => host.framesTouched,
    finish: () => ({ host: { ...host.stats }, notifier: { ...host.notifier.stats }, migrations: { ...host.migrations.stats }, ...(process?.outcome ? { outcome: process.outcome } : {}) }),
  };
}
