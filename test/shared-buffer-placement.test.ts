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
});
