/**
 * The coherence random tester on the real simulator: node workers, protobuf
 * `coh` envelopes over the bus, SWMR and data values checked across workers
 * through the shared coherence watch.
 */
import { describe, expect, it } from 'vitest';
import { NodeFailure } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { coherenceRandom, defaultConfig } from '@cdmsim/workloads';
import { coherenceRandomWorkload } from './helpers.js';
import { runSimulation, type RunMode } from '@cdmsim/runtime';
import { formatSummary } from '../packages/cdmsim/dist/summary.js';
import { htmlReport } from '../packages/cdmsim/dist/html-report.js';

/** The default machine running coherence-random with `fields` (small enough for tests). */
function coherenceConfig(fields: Record<string, unknown> = {}): SimConfig {
  return { ...defaultConfig(), workload: coherenceRandomWorkload({ opsPerNode: 100, ...fields }) };
}

async function outcome(seed: number, mode: RunMode, fields: Record<string, unknown> = {}) {
  const r = await runSimulation(coherenceConfig(fields), { seed, mode });
  if (!coherenceRandom.owns(r.workload)) throw new Error('wrong workload kind');
  return { result: r, w: r.workload };
}

describe('coherence-random on the simulator', () => {
  it('passes seeds 1..2 in deterministic mode, and the same seed gives the same event-log hash', async () => {
    const hashes: string[] = [];
    for (const seed of [1, 2]) {
      const { result, w } = await outcome(seed, 'deterministic');
      expect(w.problems).toEqual([]);
      expect(w.verified).toBe(true);
      expect(w.violations).toBe(0);
      expect(w.loads + w.stores + w.refused).toBe(100 * result.config.topology.nodes.length);
      expect(w.messagesByType.FwdGetM).toBeGreaterThan(0);
      expect(w.messagesByType.InvAck).toBeGreaterThan(0);
      expect(w.flushes).toBeGreaterThan(0);
      hashes.push(result.eventLogHash);
      if (seed === 1) {
        // The summary and the HTML report show what applies to this kind.
        expect(formatSummary(result)).toMatch(/coherence-random on 3 lines/);
        expect(htmlReport(result)).toContain('coherence-random');
      }
    }
    const again = await outcome(1, 'deterministic');
    expect(again.result.eventLogHash).toBe(hashes[0]);
    expect(new Set(hashes).size).toBe(2);
  }, 30_000);

  it('passes seeds 1..3 in free mode', async () => {
    for (const seed of [1, 2, 3]) {
      const { w } = await outcome(seed, 'free');
      expect(w.problems).toEqual([]);
      expect(w.messages).toBeGreaterThan(0);
    }
  }, 30_000);

  it('with a 2-line cache, replacements write back over the bus (PutM, PutS/PutE) and pass in both modes', async () => {
    for (const mode of ['deterministic', 'free'] as const) {
      const { w } = await outcome(1, mode, { lines: 4, cacheLines: 2 });
      expect(w.problems).toEqual([]);
      expect(w.verified).toBe(true);
      expect(w.messagesByType.PutM).toBeGreaterThan(0);
      expect((w.messagesByType.PutS ?? 0) + (w.messagesByType.PutE ?? 0)).toBeGreaterThan(0);
      expect(w.messagesByType.PutAck).toBeGreaterThan(0);
    }
    // The default (no cacheLines) keeps the topology's large caches: no replacement at all.
    const { w } = await outcome(1, 'deterministic');
    expect(w.messagesByType.PutM ?? 0).toBe(0);
  }, 30_000);

  it('catches a broken protocol across workers: an owner that keeps write permission (SWMR), deterministic mode', async () => {
    const run = outcome(1, 'deterministic', { testOnlyBrokenProtocol: 'owner-keeps-write-on-forwarded-read' });
    await expect(run).rejects.toBeInstanceOf(NodeFailure);
    await expect(run).rejects.toThrow(/SWMR violated on line 0x[0-9a-f]+ .* \(seed 1\)/);
  }, 20_000);

  it('catches a broken protocol across workers: a read miss that drops the data (data value), free mode', async () => {
    await expect(outcome(4, 'free', { testOnlyBrokenProtocol: 'skip-copy-data-on-read-miss' })).rejects.toThrow(/data-value violated: \w+ loaded \d+ .* the last store wrote \d+ \(seed 4\)/);
  }, 20_000);
});
