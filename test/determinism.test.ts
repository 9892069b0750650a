import { describe, expect, it } from 'vitest';
import { runJson, smallConfig } from './helpers.js';

describe('deterministic mode', () => {
  it('same config and seed twice gives byte-identical results (everything but host)', async () => {
    const config = smallConfig();
    const a = await runJson(config, 11);
    const b = await runJson(config, 11);
    expect(a.result.workload.verified).toBe(true);
    expect(a.json).toBe(b.json);
    expect(a.result.eventLogHash).toBe(b.result.eventLogHash);
  });

  it('a different seed gives different results on a racy workload (devices overlap)', async () => {
    const config = smallConfig({ overlap: true, writeFraction: 0.7 });
    const a = await runJson(config, 1);
    const b = await runJson(config, 2);
    expect(a.result.workload.verified).toBe(true);
    expect(b.result.workload.verified).toBe(true);
    expect(a.result.eventLogHash).not.toBe(b.result.eventLogHash);
    expect(a.result.workload.dataHash).not.toBe(b.result.workload.dataHash);
  });

  it('the racy workload itself replays exactly from its seed', async () => {
    const config = smallConfig({ overlap: true, writeFraction: 0.7 });
    const a = await runJson(config, 5);
    const b = await runJson(config, 5);
    expect(a.json).toBe(b.json);
  });
});
