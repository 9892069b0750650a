/**
 * The session workload's role on one node: a CPU node hosts processes
 * (`SessionCpu`) with every device's memory attached; a device runs its
 * driver and the test device (`SessionDevice`). Commands arrive through
 * `WorkloadRole.command`.
 */
import { createNodeMm, DeviceDriver, DmirrorDevice, Host, UserMemory, type DeviceMigrationStats, type DeviceMmuStats, type DriverStats, type HostStats, type MirrorNotifierStats, type NodeEnv, type NodeMigrationStats, type UserMemoryStats } from '@cdmsim/platform';
import type { WorkloadRole } from '../workload.js';
import type { CpuCommand, DeviceCommand } from './commands.js';
import type { SessionWorkloadSpec } from './config.js';
import { SessionCpu } from './cpu-role.js';
import { SessionDevice } from './device-role.js';
import { sessionMirror } from './sabotages.js';

/** One node's share of a session. */
export interface SessionNodeReport {
  /** A CPU node: its processes' memory management, mirrors' invalidations, migrations, user accesses, and the processes still running. */
  readonly host?: HostStats;
  readonly notifier?: MirrorNotifierStats;
  readonly migrations?: NodeMigrationStats;
  readonly user?: UserMemoryStats;
  readonly liveProcesses?: readonly number[];
  /** A device: its driver, MMU and range migrations, and the mirror entries it still holds. */
  readonly driver?: DriverStats;
  readonly mmu?: DeviceMmuStats;
  readonly deviceMigrations?: DeviceMigrationStats;
  readonly mirrorEntries?: number;
  readonly devicePagesInUse?: number;
}

/** Returns node `env.kernel.self`'s role in a session of `spec`. */
export function sessionRole(env: NodeEnv, spec: SessionWorkloadSpec): WorkloadRole<SessionNodeReport> {
  const { kernel, shared } = env;
  const topology = env.config.topology;
  const core = createNodeMm(topology, kernel.self, shared);
  if (kernel.spec.kind !== 'cpu') {
    const mirror = sessionMirror(spec.testOnlySabotage, shared.mirrorTables);
    const driver = new DeviceDriver(kernel, core, { evictBelowFreePages: spec.evictBelowFreePages, mirrorTables: shared.mirrorTables, memory: env.memory, ...(spec.devicePages !== undefined ? { devicePages: spec.devicePages } : {}), ...(mirror ? { mirror } : {}) });
    const device = new SessionDevice(kernel, new DmirrorDevice(kernel, driver));
    return {
      command: (cmd, done) => device.command(cmd as DeviceCommand, done),
      finish: () => ({ driver: { ...driver.stats }, mmu: { ...driver.mmu.stats }, deviceMigrations: { ...driver.migrations.stats }, mirrorEntries: driver.mmu.mirror.entries, devicePagesInUse: driver.inUse }),
    };
  }
  const host = new Host(kernel, core);
  for (const d of topology.devices) host.attachDevice(d.id, spec.devicePages);
  const user = new UserMemory(kernel, host, env.memory, env.home);
  const cpu = new SessionCpu(kernel, host, user);
  return {
    command: (cmd, done) => cpu.command(cmd as CpuCommand, done),
    framesInUse: () => host.framesInUse,
    framesTouched: () => host.framesTouched,
    finish: () => ({ host: { ...host.stats }, notifier: { ...host.notifier.stats }, migrations: { ...host.migrations.stats }, user: { ...user.stats }, liveProcesses: cpu.live }),
  };
}
