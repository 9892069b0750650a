import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfigFile, sharedBuffer } from '@cdmsim/workloads';
import { createSharedState } from '@cdmsim/platform';
import { runSimulation } from '@cdmsim/runtime';

const dgx = () => loadConfigFile(join(import.meta.dirname, '..', 'examples', 'dgx-h100.yaml'));
const MiB = 1024 * 1024;

describe('host memory grows with touched pages, not simulated memory', () => {
  it('creates the shared state of ~700 M frames without any frame records', () => {
    const config = dgx();
    const shared = createSharedState(config, 2);
    expect(shared.totalFrames).toBeGreaterThan(690_000_000);
    const bytes = shared.hostBytes();
    // Only the arenas' control words exist: no record or content chunk yet.
    expect(bytes.frameRecords).toBeLessThan(1024);
    expect(bytes.content).toBeLessThan(1024);
    // The directory: one Int32 per 4096 frames, well under a byte per 1000 frames.
    expect(bytes.frameDirectory! / shared.totalFrames).toBeLessThan(0.002);
  });

  it('runs a small workload on the DGX-H100 example with a bounded shared state', async () => {
    const base = dgx();
    const config = { ...base, workload: { ...base.workload, bufferBytes: 256 * 1024, accessesPerDevice: 32 } };
    const result = await runSimulation(config, { seed: 1 });
    expect(result.workload.verified).toBe(true);
    expect(result.nodes).toHaveLength(10);
    const shared = result.host.sharedStateBytes;
    expect(shared.total).toBeLessThan(256 * MiB);
    expect(result.totals.touchedFrames).toBe(65); // the 64 buffer pages and ZERO_PAGE(0), a real frame of cpu0
    expect(result.host.hostBytesPerTouchedFrame).toBeGreaterThan(0);
    expect(result.host.hostBytesPerUntouchedFrame).toBeLessThan(0.01);
  });

  it('the default machine (16 GiB per GPU) touches only the workload pages', async () => {
    const c = defaultConfig();
    if (!sharedBuffer.runs(c)) throw new Error('the built-in experiment changed workload');
    const result = await runSimulation({ ...c, workload: { ...c.workload, bufferBytes: 128 * 1024, accessesPerDevice: 16 } }, { seed: 1 });
    expect(result.totals.touchedFrames).toBe(33); // 32 buffer pages and the zero page
    expect(result.host.sharedStateBytes.frameRecords).toBeLessThanOrEqual(2 * 128 * 1024);
  });
});
