/**
 * The session workload: no work of its own. A library user drives the
 * nodes step by step (`Simulation.step`, or the typed `HmmSession` of the
 * `cdmsim` package): processes on CPU nodes, and the test device (the
 * kernel's dmirror) on every device. The outcome checks what a finished
 * session must hold: with every process exited, no device still mirrors
 * one or holds a page for one.
 */
import { RunningHash } from '@cdmsim/engine';
import { defineWorkload, type WorkloadOutcomeBase } from '../workload.js';
import { sessionWorkloadConfig, type SessionWorkloadSpec } from './config.js';
import { sessionRole, type SessionNodeReport } from './role.js';

export { SESSION, SESSION_SABOTAGE_NAMES, type SessionSabotageName, type SessionWorkloadSpec } from './config.js';
export { DMIRROR_RANGE_OPS, type CpuCommand, type CpuResult, type DeviceCommand, type DeviceResult } from './commands.js';
export type { SessionNodeReport } from './role.js';
export { DMIRROR_FLAVOURS, sessionMachineYaml, type DmirrorFlavour } from './machine.js';

/** What a session reports (results.json `workload`). */
export interface SessionOutcome extends WorkloadOutcomeBase {
  readonly kind: 'session';
  /** Processes still running at the end, per CPU node name. */
  readonly liveProcesses: Readonly<Record<string, readonly number[]>>;
  /** Totals over the run: device faults (the devices' MMUs), CPU faults on device-private pages (migrated back to RAM), range faults, invalidations received, pages migrated each way. */
  readonly deviceFaults: number;
  readonly cpuFaultsOnDevicePages: number;
  readonly rangeFaults: number;
  readonly invalidations: number;
  readonly pagesToDevice: number;
  readonly pagesToSystem: number;
}

/** The session workload, as registered. */
export const session = defineWorkload<SessionWorkloadSpec, SessionNodeReport, SessionOutcome>({
  config: sessionWorkloadConfig,
  createRole: sessionRole,
  outcome(_config, shares) {
    const problems: string[] = [];
    const liveProcesses: Record<string, readonly number[]> = {};
    let rangeFaults = 0;
    let invalidations = 0;
    let pagesToDevice = 0;
    let pagesToSystem = 0;
    let deviceFaults = 0;
    let cpuFaultsOnDevicePages = 0;
    for (const { name, share } of shares) {
      if (share?.liveProcesses) liveProcesses[name] = share.liveProcesses;
      if (share?.mmu) {
        rangeFaults += share.mmu.rangeFaults;
        invalidations += share.mmu.invalidations;
        deviceFaults += share.mmu.deviceFaults;
      }
      if (share?.host) cpuFaultsOnDevicePages += share.host.deviceFaults;
      if (share?.migrations) {
        pagesToDevice += share.migrations.pagesToDevice;
        pagesToSystem += share.migrations.pagesToRam;
      }
    }
    const running = Object.values(liveProcesses).some((p) => p.length > 0);
    // With every process exited, each exit invalidated every mirror of it: an entry left means a missed invalidation.
    // Device memory is never pinned [6/6]: with every process gone, every device page is free again.
    if (!running) {
      for (const { name, share } of shares) {
        if ((share?.mirrorEntries ?? 0) > 0) problems.push(`${name} still mirrors ${share!.mirrorEntries} pages after every process exited`);
        if ((share?.devicePagesInUse ?? 0) > 0) problems.push(`${name} still has ${share!.devicePagesInUse} pages in use after every process exited`);
      }
    }
    const dataHash = new RunningHash().add(rangeFaults).add(invalidations).add(pagesToDevice).add(pagesToSystem).hex();
    return { kind: 'session', verified: problems.length === 0, problems, dataHash, liveProcesses, deviceFaults, cpuFaultsOnDevicePages, rangeFaults, invalidations, pagesToDevice, pagesToSystem };
  },
  describe: (w) => `session: ${w.rangeFaults} range faults, ${w.invalidations} invalidations, ${w.pagesToDevice} pages to devices, ${w.pagesToSystem} back to RAM`,
  describeCheck: () => 'passed (no device mirrors an exited process or holds its pages)',
});
