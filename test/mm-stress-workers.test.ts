/**
 * The mm stress on the real simulator (issue: memory manager, item 10):
 * processes on both CPU-node workers and the drivers on three device
 * workers (CDM, device-private, CDM), in both run modes, with data and
 * invariant checks after every operation and the release checks at the
 * end; plus determinism, and deliberately broken rules that must fail the
 * run with the node and the seed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runError, runMmStressOutcome } from './helpers.js';
import type { SimConfig } from '@cdmsim/config';
import { MM_STRESS_TOPOLOGY_YAML, mmStressConfig, type MmStressRunOutcome, type MmStressSabotageName } from '@cdmsim/workloads';
import { NodeFailure } from '@cdmsim/engine';
import { deterministicPart, runSimulation, type RunMode } from '@cdmsim/runtime';
import { REPLAY_CHECK_JITTER } from '@cdmsim/kernel';

function stress(ops: number, sabotage?: MmStressSabotageName): SimConfig {
  return mmStressConfig({ opsPerCpu: ops, ...(sabotage ? { testOnlySabotage: sabotage } : {}) });
}

const outcome = (seed: number, mode: RunMode, ops = 200): Promise<MmStressRunOutcome> => runMmStressOutcome(stress(ops), seed, mode);

describe('mm stress across node workers', () => {
  for (const mode of ['deterministic', 'free'] as const) {
    it(`passes seeds 1..4 in ${mode} mode: every check held, every page came back, every memcg at zero`, async () => {
      const totals = { toDevice: 0, toPrivate: 0, toRam: 0, deviceFaults: 0, evicted: 0, pageFrees: 0, checks: 0, writes: 0, forks: 0 };
      for (let seed = 1; seed <= 4; seed++) {
        const w = await outcome(seed, mode);
        expect(w.problems).toEqual([]);
        expect(w.verified).toBe(true);
        expect(w.perCpu.map((c) => c.node)).toEqual(['cpu0', 'cpu1']);
        expect(w.perDevice.map((d) => d.node)).toEqual(['gpu0', 'gpu1', 'gpu2']);
        // Every device page handed out came back through page_free.
        for (const d of w.perDevice) expect(d.pageFrees).toBe(d.allocated);
        totals.toDevice += w.pagesToPublic + w.pagesToPrivate;
        totals.toPrivate += w.pagesToPrivate;
        totals.toRam += w.pagesToRam;
        totals.deviceFaults += w.deviceFaults;
        totals.evicted += w.evictedPages;
        totals.pageFrees += w.pageFrees;
        totals.checks += w.checks;
        totals.writes += w.operations.write;
        totals.forks += w.operations.fork;
      }
      // The seeds exercised what the issue asks for: both device kinds, faults on private entries, evictions, writes, forks.
      expect(totals.toPrivate).toBeGreaterThan(0);
      expect(totals.toDevice).toBeGreaterThan(totals.toPrivate);
      expect(totals.toRam).toBeGreaterThan(0);
      expect(totals.deviceFaults).toBeGreaterThan(0);
      expect(totals.evicted).toBeGreaterThan(0);
      expect(totals.writes).toBeGreaterThan(100);
      expect(totals.forks).toBeGreaterThan(0);
      expect(totals.checks).toBeGreaterThan(4 * 2 * 200);
    }, 120_000);
  }

  it('deterministic mode: the same seed twice gives byte-identical results (event logs included); another seed differs', async () => {
    const a = await runSimulation(stress(150), { seed: 7, mode: 'deterministic' });
    const b = await runSimulation(stress(150), { seed: 7, mode: 'deterministic' });
    const c = await runSimulation(stress(150), { seed: 8, mode: 'deterministic' });
    expect(JSON.stringify(deterministicPart(b))).toBe(JSON.stringify(deterministicPart(a)));
    expect(c.eventLogHash).not.toBe(a.eventLogHash);
  }, 60_000);

  for (const [sabotage, message] of [
    ['skip-put-page', /refcount \d+, expected \d+/],
    ['corrupt-rss', /rss anon = \d+ but page tables map \d+/],
  ] as const) {
    for (const mode of ['deterministic', 'free'] as const) {
      it(`a broken rule (${sabotage}) fails the run in ${mode} mode, naming the node, the operation and the seed`, async () => {
        const err = await runError(stress(200, sabotage), { seed: 3, mode });
        expect(err).toBeInstanceOf(NodeFailure);
        const f = err as NodeFailure;
        expect(f.nodeName).toBe('cpu0');
        expect(f.causeMessage).toMatch(message);
        expect(f.causeMessage).toMatch(/node cpu0, operation \d+ \(/);
        expect(f.causeMessage).toMatch(/seed 3/);
      }, 30_000);
    }
  }
});

describe('cdmsim stress mm --mode', () => {
  const cdmsim = runCli;

  it('runs seeds on the simulator and prints the replay command of a failing seed', async () => {
    const ok = await cdmsim(['stress', 'mm', '--mode', 'free', '--seeds', '1..2', '--ops', '100']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/2\/2 seeds passed every check on the simulator \(free mode\)/);
    const dir = mkdtempSync(join(tmpdir(), 'cdmsim-mm-'));
    const file = join(dir, 'sabotaged.yaml');
    writeFileSync(file, MM_STRESS_TOPOLOGY_YAML.replace('  maxThinkNs: 200', '  maxThinkNs: 200\n  testOnlySabotage: corrupt-rss'));
    const bad = await cdmsim(['stress', 'mm', '--mode', 'deterministic', '--config', file, '--seed', '5', '--ops', '120']);
    expect(bad.code).toBe(4);
    expect(bad.stdout).toMatch(/seed 5 failed: NodeFailure: .*rss anon/);
    expect(bad.stdout).toContain(`replay: npx cdmsim stress mm --seed 5 --mode deterministic --config ${file} --ops 120`);
  }, 60_000);

  it('--check-replay reruns each seed under random thread delays and passes when the hash is the same; free mode is refused', async () => {
    const ok = await cdmsim(['stress', 'mm', '--mode', 'deterministic', '--check-replay', '--seed', '2', '--ops', '80']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/1\/1 seeds passed every check on the simulator \(deterministic mode, each replayed identically under random thread delays\)/);
    const free = await cdmsim(['stress', 'mm', '--mode', 'free', '--check-replay', '--seed', '2']);
    expect(free.code).toBe(2);
  }, 60_000);
});

describe('the replay check catches model code that reads what another worker writes in the same round', () => {
  it('racy-shared-read (think times from the root memcg usage both CPU nodes charge): some seed replays differently under thread delays', async () => {
    // The race is real, so which seed shows it depends on the machine; about
    // two seeds in three do on two cores. Stop at the first.
    const racy = stress(250, 'racy-shared-read');
    const tried: string[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const calm = await runSimulation(racy, { seed, mode: 'deterministic' });
      const shaken = await runSimulation(racy, { seed, mode: 'deterministic', scheduleJitter: { seed, ...REPLAY_CHECK_JITTER } });
      tried.push(`${seed}: ${calm.eventLogHash} ${shaken.eventLogHash}`);
      if (calm.eventLogHash !== shaken.eventLogHash) return;
    }
    expect.fail(`no seed diverged; the replay check would miss a racy read:\n${tried.join('\n')}`);
  }, 120_000);
});
