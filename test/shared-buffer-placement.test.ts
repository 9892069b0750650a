/**
 * Placement of the shared buffer (sequential engine): with `placement:
 * device` the process migrates each device's slice to that device before
 * the devices start (the driver's migrate hint, migrate_vma with the
 * device copying) and the buffer back to RAM before it verifies; the
 * devices' accesses are then served by their own memories.
 */
import { describe, expect, it } from 'vitest';
import { ConfigValidationError } from '@cdmsim/config';
import { runSimulation } from '@cdmsim/runtime';
import { defaultConfig, type SharedBufferNodeReport, type SharedBufferOutcome } from '@cdmsim/workloads';
import { parseOverride } from '@cdmsim/config';
import { smallConfig } from './helpers.js';

describe('shared-buffer placement', () => {
  for (const kind of ['public', 'private'] as const) {
    it(`placement: device (${kind} device memory): every slice moves to its device and back, each device serves its own accesses, the checks pass`, async () => {
      const base = smallConfig({ placement: 'device' });
      const config = { ...base, topology: structuredClone(base.topology) };
      for (const d of config.topology.devices) d.memory.kind = kind;
      const r = await runSimulation(config, { seed: 3, mode: 'sequential' });
      expect(r.workload.verified).toBe(true);
      const outcome = r.workload as SharedBufferOutcome;
      const pages = config.workload.bufferBytes / config.topology.pageSizeBytes;
      const cpu0 = r.nodes.find((n) => n.name === 'cpu0')!;
      expect((cpu0.workload as SharedBufferNodeReport).migrations).toMatchObject({ pagesToDevice: pages, pagesToRam: pages, skipped: 0 });
      for (const d of config.topology.devices) {
        const node = r.nodes.find((n) => n.name === d.name)!;
        expect(node.home.reads + node.home.writes, d.name).toBe(config.workload.accessesPerDevice);
      }
      const { fillDonePs, placedPs, devicesDonePs, verifyDonePs } = outcome.phases;
      expect(fillDonePs).toBeLessThan(placedPs);
      expect(placedPs).toBeLessThan(devicesDonePs);
      expect(devicesDonePs).toBeLessThan(verifyDonePs);
      expect(outcome.placement).toBe('device');
    });
  }

  it('placement: device with overlapping slices is refused, naming the field', () => {
    expect(() => defaultConfig([parseOverride('workload.placement=device'), parseOverride('workload.overlap=true')])).toThrow(ConfigValidationError);
    expect(() => defaultConfig([parseOverride('workload.placement=device'), parseOverride('workload.overlap=true')])).toThrow(/workload\.placement: device placement moves each device's slice to it, so it needs overlap: false/);
  });

  it('onDeviceFault: migrate — each faulting run is migrated to the faulting device first (migrate on fault), then mapped; every page ends up local, the checks pass', async () => {
    const config = smallConfig({ mirror: 'on-fault', onDeviceFault: 'migrate' });
    const r = await runSimulation(config, { seed: 4, mode: 'sequential' });
    expect(r.workload.verified).toBe(true);
    const pages = config.workload.bufferBytes / config.topology.pageSizeBytes;
    const cpu0 = r.nodes.find((n) => n.name === 'cpu0')!.workload as SharedBufferNodeReport;
    expect(cpu0.host!.placedPages).toBe(pages);
    expect(cpu0.host!.placementRequests).toBeGreaterThan(0);
    expect(cpu0.migrations).toMatchObject({ pagesToDevice: pages, pagesToRam: pages });
    for (const d of config.topology.devices) {
      const node = r.nodes.find((n) => n.name === d.name)!;
      const mmu = (node.workload as SharedBufferNodeReport).mmu!;
      expect(mmu.migratedPages, d.name).toBe(pages / config.topology.devices.length);
      expect(mmu.migrateRequests, d.name).toBeLessThanOrEqual(mmu.faultedPages);
      expect(node.home.reads + node.home.writes, d.name).toBe(config.workload.accessesPerDevice);
    }
  });

  it('onDeviceFault: migrate is refused without mirror: on-fault and with overlap: true, naming the field', () => {
    const refused = (...sets: string[]) => () => defaultConfig(sets.map(parseOverride));
    expect(refused('workload.onDeviceFault=migrate')).toThrow(/workload\.onDeviceFault: migrate acts on device faults, so it needs mirror: on-fault/);
    expect(refused('workload.onDeviceFault=migrate', 'workload.mirror=on-fault', 'workload.overlap=true')).toThrow(/workload\.onDeviceFault: migrate on fault with overlap: true would move pages back and forth/);
  });
});
