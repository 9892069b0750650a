/**
 * The sequential engine is the reference: for every workload and every
 * example machine, a deterministic run — one worker per node, nodes
 * partitioned over 2, 3 or `auto` workers — gives the same eventLogHash and
 * the same results.json outside `host` as the sequential run. A node that
 * saw another node's work out of time order, a horizon that was not a lower
 * bound, or an envelope handed over differently inside a worker than
 * through the rings would make them differ.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { SimConfig } from '@cdmsim/config';
import { deterministicPart, runSimulation, WORKLOADS, type SimulationOptions } from '@cdmsim/runtime';
import { loadConfigFile, mmStressConfig, sessionConfig } from '@cdmsim/workloads';
import { HmmSession, type RunResult } from 'cdmsim';
import { coherenceRandomWorkload, litmusWorkload, smallConfig } from './helpers.js';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');

/** `config` with its workload's size fields replaced (a small run of an example machine). */
function shrunk(config: SimConfig, fields: Record<string, unknown>): SimConfig {
  return { ...config, workload: { ...config.workload, ...fields } } as SimConfig;
}

const CASES: [string, () => SimConfig, number][] = [
  ['shared-buffer, default machine', () => smallConfig(), 5],
  ['shared-buffer, racy overlapping writes', () => smallConfig({ overlap: true, writeFraction: 0.7 }), 3],
  ['shared-buffer, devices faulting on demand', () => smallConfig({ mirror: 'on-fault' }), 6],
  ['shared-buffer, slices migrated to their devices', () => smallConfig({ placement: 'device' }), 8],
  ['shared-buffer, migrate on device fault', () => smallConfig({ mirror: 'on-fault', onDeviceFault: 'migrate' }), 10],
  ['coherence-random', () => ({ ...smallConfig(), workload: coherenceRandomWorkload({ opsPerNode: 80, lines: 8 }) }), 2],
  ['litmus MP+fences', () => ({ ...smallConfig(), workload: litmusWorkload({ test: 'MP+fences' }) }), 4],
  ['mm-stress', () => mmStressConfig({ opsPerCpu: 80 }), 7],
  ['examples/dgx-h100.yaml', () => shrunk(loadConfigFile(join(EXAMPLES, 'dgx-h100.yaml')), { bufferBytes: 256 * 1024, accessesPerDevice: 48 }), 1],
  ['examples/mm-stress.yaml', () => shrunk(loadConfigFile(join(EXAMPLES, 'mm-stress.yaml')), { opsPerCpu: 60 }), 9],
];

const ENGINES: [string, SimulationOptions][] = [
  ['deterministic, one worker per node', { mode: 'deterministic' }],
  ['deterministic, 2 workers', { mode: 'deterministic', workers: 2 }],
  ['deterministic, 3 workers', { mode: 'deterministic', workers: 3 }],
  ['deterministic, auto workers', { mode: 'deterministic', workers: 'auto' }],
];

/**
 * A scripted session (the test device's commands, steps of concurrent
 * commands among them) on `flavour` devices; returns the closed session's
 * result.
 */
async function scriptedSession(flavour: 'private' | 'coherent', options: SimulationOptions): Promise<RunResult> {
  const s = await HmmSession.start({ flavour, seed: 3, ...options });
  const ps = s.pageSize;
  const p = await s.spawn();
  const { va } = await p.mmap(64 * ps);
  await p.write(va!, new Uint8Array(64 * ps).fill(5));
  const [dev0, dev1] = [s.device(0), s.device(1)];
  await dev0.read(p, va!, 64);
  await dev1.migrateToDevice(p, va!, 32);
  await s.all([dev0.call('read', p, va!, 64), dev1.call('write', p, va! + 32 * ps, 16, new Uint8Array(16 * ps).fill(9)), p.calls.munmap(va! + 48 * ps, 16 * ps)] as const);
  const child = await p.fork();
  await child.write(va!, new Uint8Array(8 * ps).fill(1));
  await dev0.snapshot(p, va!, 64);
  await dev1.release();
  return s.close();
}

const SESSION_CASES = ['private', 'coherent'] as const;

describe('sequential mode is the reference of deterministic mode', () => {
  it('the cases cover every registered workload', () => {
    const covered = new Set([...CASES.map(([, config]) => config().workload.kind), sessionConfig().workload.kind]);
    expect(WORKLOADS.map((w) => w.kind).filter((k) => !covered.has(k))).toEqual([]);
  });

  it.each(CASES)('%s: the same eventLogHash and results.json (outside host) on every engine', async (_name, config, seed) => {
    const reference = await runSimulation(config(), { seed, mode: 'sequential' });
    expect(reference.host.workers).toBe(1);
    expect(reference.host.scheduler.rounds).toBe(0);
    const expected = JSON.stringify(deterministicPart(reference));
    for (const [engine, options] of ENGINES) {
      const run = await runSimulation(config(), { seed, ...options });
      expect(run.eventLogHash, engine).toBe(reference.eventLogHash);
      expect(JSON.stringify(deterministicPart(run)), engine).toBe(expected);
      expect(run.host.scheduler.rounds, engine).toBeGreaterThan(0);
    }
  }, 120_000);

  it.each(SESSION_CASES)('session on %s devices: the same steps give the same eventLogHash and results.json (outside host) on every engine', async (flavour) => {
    const reference = await scriptedSession(flavour, { mode: 'sequential' });
    expect(reference.workload.verified).toBe(true);
    const expected = JSON.stringify(deterministicPart(reference));
    for (const [engine, options] of ENGINES) {
      const run = await scriptedSession(flavour, options);
      expect(run.eventLogHash, engine).toBe(reference.eventLogHash);
      expect(JSON.stringify(deterministicPart(run)), engine).toBe(expected);
    }
  }, 120_000);

  it('the default machine under hand-made partitions (--partition): the same eventLogHash and results.json (outside host)', async () => {
    const config = () => smallConfig({ overlap: true, writeFraction: 0.6 });
    const reference = await runSimulation(config(), { seed: 11, mode: 'sequential' });
    const expected = JSON.stringify(deterministicPart(reference));
    for (const partition of ['cpu0+gpu0,cpu1+gpu1+gpu2+gpu3', 'gpu3,cpu1+gpu0,cpu0+gpu2+gpu1']) {
      const run = await runSimulation(config(), { seed: 11, mode: 'deterministic', partition });
      expect(run.host.workerDetails.map((w) => w.nodes), partition).toEqual(partition.split(',').map((g) => g.split('+').sort((a, b) => a.localeCompare(b))));
      expect(run.eventLogHash, partition).toBe(reference.eventLogHash);
      expect(JSON.stringify(deterministicPart(run)), partition).toBe(expected);
      for (const w of run.host.workerDetails) {
        expect(w.scheduler.wallMs, `${partition}: worker ${w.nodes.join('+')} ran`).toBeGreaterThan(0);
        expect(w.scheduler.waitMs).toBeGreaterThanOrEqual(0);
        expect(w.scheduler.waitMs).toBeLessThanOrEqual(w.scheduler.wallMs);
      }
    }
  }, 120_000);
});
