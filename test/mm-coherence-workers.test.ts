/**
 * Issue 4, item 4 on the real simulator: the mm stress with coherent
 * caches. CPU stores go through each CPU node's cache (misses and
 * writebacks cross the bus; a store to device-public memory goes to the
 * device's directory), every DMA copy's sources are recalled at their homes
 * first, and a freed frame goes back to its allocator or pool only once
 * every cached copy of its lines is gone. The data checks read through the
 * CPU's cache, so a copy that missed a dirty line, or a stale line left in
 * a cache over a reused frame, fails the run.
 */
import { describe, expect, it } from 'vitest';
import type { SimConfig } from '@cdmsim/config';
import { mmStressConfig, type MmStressSabotageName } from '@cdmsim/workloads';
import { NodeFailure } from '@cdmsim/engine';
import { runSimulation } from '@cdmsim/runtime';
import { runError, runMmStressOutcome } from './helpers.js';

function stress(ops: number, extra: { caches?: boolean; testOnlySabotage?: MmStressSabotageName } = {}): SimConfig {
  return mmStressConfig({ opsPerCpu: ops, ...extra });
}

describe('mm stress with coherent caches across node workers', () => {
  for (const mode of ['deterministic', 'free'] as const) {
    it(`flush before DMA, invalidate before reuse: seeds 1..3 pass in ${mode} mode with misses, writebacks, recalls and held frames`, async () => {
      const t = { reads: 0, misses: 0, writebacks: 0, linesRecalled: 0, pagesRecalled: 0, recallRequests: 0, framesHeld: 0, messages: 0, toPublic: 0 };
      for (let seed = 1; seed <= 3; seed++) {
        const w = await runMmStressOutcome(stress(200), seed, mode);
        expect(w.problems).toEqual([]);
        const c = w.coherence!;
        expect(c).toBeDefined();
        t.reads += w.cachedReads;
        t.misses += c.misses;
        t.writebacks += c.writebacks;
        t.linesRecalled += c.linesRecalled;
        t.pagesRecalled += c.pagesRecalled;
        t.recallRequests += c.recallRequests;
        t.framesHeld += c.framesHeld;
        t.messages += c.messages;
        t.toPublic += w.pagesToPublic;
        // Every store missed at least once per line: a miss is a GetS/GetM, so at least 2 messages (request, data) each.
        expect(c.messages).toBeGreaterThanOrEqual(2 * c.misses);
      }
      expect(t.toPublic).toBeGreaterThan(0);
      expect(t.reads).toBeGreaterThan(20); // loads through the cache, each checked against the last write
      expect(t.misses).toBeGreaterThan(50);
      expect(t.writebacks).toBeGreaterThan(0); // 4-line caches: replacements write back over the bus
      expect(t.pagesRecalled).toBeGreaterThan(0);
      expect(t.linesRecalled).toBeGreaterThan(0); // some recalls found the last write in a cache
      expect(t.framesHeld).toBeGreaterThan(0); // some freed frames waited for their invalidation
    }, 120_000);
  }

  it('deterministic mode with caches: the same seed twice gives the same event log and coherence counters', async () => {
    const a = await runSimulation(stress(150), { seed: 11, mode: 'deterministic' });
    const b = await runSimulation(stress(150), { seed: 11, mode: 'deterministic' });
    expect(b.eventLogHash).toBe(a.eventLogHash);
    expect(b.workload).toEqual(a.workload);
  }, 60_000);

  it('caches: false runs the same stress with no coherence traffic (page contents always current)', async () => {
    const w = await runMmStressOutcome(stress(150, { caches: false }), 2, 'deterministic');
    expect(w.verified).toBe(true);
    expect(w.coherence).toBeUndefined();
  }, 60_000);

  for (const [sabotage, what] of [
    ['skip-dma-flush', 'a DMA copy that does not recall the sources\u2019 cached lines copies stale memory'],
    ['skip-free-invalidate', 'a freed frame reused while a cache keeps a line of it shows the old line'],
  ] as const) {
    for (const mode of ['deterministic', 'free'] as const) {
      it(`${sabotage} fails the run in ${mode} mode: ${what}; the failure names the node, the operation and the seed`, async () => {
        // Which operation exposes it depends on the seed; stop at the first failing seed.
        for (let seed = 1; seed <= 6; seed++) {
          const err = await runError(stress(250, { testOnlySabotage: sabotage }), { seed, mode });
          if (err === undefined) continue;
          expect(err).toBeInstanceOf(NodeFailure);
          const f = err as NodeFailure;
          // Found by the read-back after an operation, or by a load through the cache.
          expect(f.causeMessage).toMatch(/node cpu\d, operation \d+ \(.*\): pid \d+ vpn \d+ (reads \d+|\(pfn \d+\) loaded \d+ through the cache), expected \d+/);
          expect(f.causeMessage).toMatch(new RegExp(`seed ${seed}\\b`));
          return;
        }
        expect.fail(`${sabotage} went unnoticed in seeds 1..6 (${mode} mode)`);
      }, 120_000);
    }
  }
});
