import { describe, expect, it } from 'vitest';
import { runJson, sharedBufferOutcome, smallConfig } from './helpers.js';

describe('free mode', () => {
  it('completes the race-free workload with the same data outcome as deterministic mode', async () => {
    const config = smallConfig();
    const det = await runJson(config, 3, 'deterministic');
    const free = await runJson(config, 3, 'free');
    expect(free.result.host.mode).toBe('free');
    expect(free.result.workload.verified).toBe(true);
    expect(free.result.workload.problems).toEqual([]);
    expect(free.result.workload.dataHash).toBe(det.result.workload.dataHash);
    expect(sharedBufferOutcome(free.result).deviceWrites).toBe(sharedBufferOutcome(det.result).deviceWrites);
  });

  it('keeps every chunk intact when devices race on the same lines', async () => {
    const config = smallConfig({ overlap: true, writeFraction: 0.8 });
    const free = await runJson(config, 9, 'free');
    expect(free.result.workload.verified).toBe(true);
    expect(sharedBufferOutcome(free.result).chunks.corrupt).toBe(0);
    // Free-mode page locks are real: they report their acquisitions.
    const acquisitions = free.result.host.workerDetails.flatMap((w) => Object.values(w.locks ?? {})).reduce((s, l) => s + l.acquisitions, 0);
    expect(acquisitions).toBeGreaterThan(0);
  });
});
