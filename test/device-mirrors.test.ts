/**
 * Device mirrors in a whole run (sequential engine, the same model code as
 * the workers): the shared-buffer process's exit invalidates every device
 * mirror of it (event RELEASE) and tears its mappings down only once every
 * device acknowledged, and the run fails when a device still mirrors the
 * exited process; with `mirror: on-fault` devices build their mirrors from
 * device faults serviced in batches.
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from '@cdmsim/runtime';
import { sharedBuffer, type SharedBufferNodeReport, type SharedBufferOutcome } from '@cdmsim/workloads';
import { smallConfig } from './helpers.js';

describe('device mirrors are invalidated before the CPU changes what they map', () => {
  it('exit_mmap: every device mirror is invalidated and acknowledged before the process\'s frames are freed', async () => {
    const config = smallConfig();
    const r = await runSimulation(config, { seed: 1, mode: 'sequential' });
    expect(r.workload.verified).toBe(true);
    const outcome = r.workload as SharedBufferOutcome;
    const share = (name: string) => r.nodes.find((n) => n.name === name)!.workload as SharedBufferNodeReport;
    const devices = config.topology.devices.map((d) => d.name);
    for (const d of devices) {
      const mmu = share(d).mmu!;
      expect(mmu.invalidations, d).toBe(1);
      expect(mmu.invalidatedPages, d).toBe(mmu.rangeFaultPages);
      expect(share(d).mirrorEntries, d).toBe(0);
    }
    const notifier = share('cpu0').notifier!;
    expect(notifier).toMatchObject({ invalidations: 1, messages: devices.length });
    // The exit waited exactly for the slowest acknowledgement (a round trip to the farthest device).
    expect(outcome.phases.exitDonePs - outcome.phases.verifyDonePs).toBe(notifier.maxWaitPs);
    expect(notifier.maxWaitPs).toBeGreaterThan(0);
    expect(outcome.framesFreedAtExit).toBeGreaterThan(0);
    // Their traffic is on the links: one invalidation and one acknowledgement per device.
    const count = (kind: string) => r.links.flatMap((l) => l.directions).reduce((n, d) => n + (d.byKind[kind]?.messages ?? 0), 0);
    expect(count('rangeInvalidate')).toBeGreaterThanOrEqual(devices.length);
    expect(count('rangeInvalidateAck')).toBeGreaterThanOrEqual(devices.length);
  });

  it('a device still mirroring the exited process fails the run, naming the device', () => {
    const config = smallConfig();
    const outcome = { kind: 'shared-buffer', verified: true, problems: [] } as unknown as SharedBufferOutcome;
    const shares = [
      { name: 'cpu0', share: { outcome } },
      { name: 'gpu1', share: { mirrorEntries: 3 } },
      { name: 'gpu2', share: { mirrorEntries: 0 } },
    ];
    const checked = sharedBuffer.outcome(config, shares, undefined as never);
    expect(checked.verified).toBe(false);
    expect(checked.problems).toEqual(['gpu1 still mirrors 3 pages of the exited process']);
  });

  it('mirror: on-fault — devices start with empty mirrors and fault page by page in batches; the checks pass and every page is faulted in once', async () => {
    const onFault = smallConfig({ mirror: 'on-fault' });
    const [faulting, prefetching] = await Promise.all([runSimulation(onFault, { seed: 2, mode: 'sequential' }), runSimulation(smallConfig(), { seed: 2, mode: 'sequential' })]);
    expect(faulting.workload.verified).toBe(true);
    const pagesPerDevice = onFault.workload.bufferBytes / onFault.topology.pageSizeBytes / onFault.topology.devices.length;
    for (const d of onFault.topology.devices) {
      const mmu = (faulting.nodes.find((n) => n.name === d.name)!.workload as SharedBufferNodeReport).mmu!;
      expect(mmu.faultedPages, d.name).toBe(pagesPerDevice);
      expect(mmu.deviceFaults, d.name).toBeGreaterThanOrEqual(mmu.faultedPages + mmu.duplicateFaults);
      expect(mmu.faultBatches, d.name).toBeGreaterThan(0);
      expect(mmu.rangeFaults, d.name).toBeLessThanOrEqual(mmu.faultedPages);
      expect(mmu.rangeFaultPages, d.name).toBe(pagesPerDevice);
    }
    // Faulting on demand costs a batch per round of misses: longer than mirroring up front.
    expect(faulting.simTimePs).toBeGreaterThan(prefetching.simTimePs);
  });
});
