import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOverride } from '@cdmsim/config';
import { loadConfigFile, loadSweepFile, resolveGrid, runGrid, runSimulation } from '@cdmsim/runtime';
import { runCli } from './helpers.js';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');

/** Two machines × two values of a workload field × three seeds, small enough for a test. */
const GRID = [
  `machines: [${join(EXAMPLES, 'default.yaml')}, ${join(EXAMPLES, 'dgx-h100.yaml')}]`,
  'set: { workload.bufferSize: 64KiB }',
  'axes:',
  '  workload.accessesPerDevice: [32, 64]',
  'seeds: 1..3',
  'mode: sequential',
  'metric: totals.linkBytes',
].join('\n');

describe('cdmsim sweep FILE: parameter grids', () => {
  it('runs machines × axis values × seeds, one directory per point, sweep.csv, stats.txt and a report; each point equals a direct run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdmsim-grid-'));
    const file = join(dir, 'grid.yaml');
    writeFileSync(file, GRID);
    const out = join(dir, 'out');
    const r = await runCli(['sweep', file, '--out', out, '--jobs', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/12 points: 12 ok, 0 failed their check, 0 failed to run/);
    const rows = readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(rows[0]!.slice(0, 7)).toEqual(['point', 'dir', 'machine', 'workload.accessesPerDevice', 'seed', 'status', 'totals.linkBytes']);
    expect(rows.slice(1).map((row) => `${row[2]} ${row[3]} ${row[4]} ${row[5]}`)).toEqual(
      ['default-2cpu-4gpu', 'dgx-h100'].flatMap((m) => ['32', '64'].flatMap((a) => ['1', '2', '3'].map((s) => `${m} ${a} ${s} ok`))),
    );
    // A point's directory holds its results and a diffable stats file.
    const point = join(out, 'points', '0010');
    for (const f of ['results.json', 'links.csv', 'nodes.csv', 'stats.txt', 'params.json']) expect(existsSync(join(point, f)), f).toBe(true);
    const params = JSON.parse(readFileSync(join(point, 'params.json'), 'utf8'));
    expect(params).toMatchObject({ machine: 'dgx-h100', 'workload.accessesPerDevice': 64, seed: 2 });
    expect(params.replay).toMatch(/^npx cdmsim run --config \S+dgx-h100\.yaml --set 'workload\.bufferSize="64KiB"' --set workload\.accessesPerDevice=64 --seed 2 --mode sequential$/);
    const stats = readFileSync(join(point, 'stats.txt'), 'utf8').trim().split('\n');
    for (const line of stats) expect(line).toMatch(/^\S+ +-?[\d.e+-]+ # .+$/);
    expect(stats.find((l) => l.startsWith('simTimePs '))).toMatch(/# simulated time of the last event \(ps\)$/);
    // The point equals a direct run of the same machine, overrides and seed.
    const saved = JSON.parse(readFileSync(join(point, 'results.json'), 'utf8'));
    const direct = await runSimulation(loadConfigFile(join(EXAMPLES, 'dgx-h100.yaml'), ['workload.bufferSize=64KiB', 'workload.accessesPerDevice=64'].map(parseOverride)), { seed: 2, mode: 'sequential' });
    expect(saved.eventLogHash).toBe(direct.eventLogHash);
    expect(String(direct.totals.linkBytes)).toBe(rows[11]![6]);
    const report = readFileSync(join(out, 'report.html'), 'utf8');
    expect(report).toContain('"axis":"workload.accessesPerDevice"');
    expect(report).toContain('"name":"dgx-h100"');
  });

  it('a point that fails is reported with its parameters, seed and replay command, and the others still run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdmsim-grid-'));
    const file = join(dir, 'grid.yaml');
    writeFileSync(file, ['set: { workload.bufferSize: 64KiB, workload.accessesPerDevice: 16 }', 'seeds: 1..3', 'mode: sequential'].join('\n'));
    const points = resolveGrid(loadSweepFile(file));
    // Break the second point's config in code (as a model bug would): the run fails on a node.
    const broken = points.map((p, i) => (i === 1 ? { ...p, config: { ...p.config, workload: { ...p.config.workload, process: 99 as never } } } : p));
    const seen: number[] = [];
    const outcomes = await runGrid(broken, { maxThreads: 1, onPoint: (_o, done) => seen.push(done) });
    expect(seen).toEqual([1, 2, 3]);
    expect(outcomes.map((o) => (o.result ? 'ok' : 'failed'))).toEqual(['ok', 'failed', 'ok']);
    expect(outcomes[1]!.error).toBeTruthy();
    expect(outcomes[1]!.point.label).toBe('machine=default-2cpu-4gpu seed=2');
    expect(outcomes[1]!.point.replay).toMatch(/--seed 2 --mode sequential$/);
  });

  it('examples/sweeps/device-memory.yaml: 2 machines × mirror × placement × 2 seeds, every point valid; axis values print without quotes', async () => {
    const points = resolveGrid(loadSweepFile(join(EXAMPLES, 'sweeps', 'device-memory.yaml')));
    expect(points).toHaveLength(16);
    expect(new Set(points.map((p) => `${p.config.topology.name} ${JSON.stringify(p.config.workload)}`)).size).toBe(8);
    const dir = mkdtempSync(join(tmpdir(), 'cdmsim-grid-'));
    const file = join(dir, 'grid.yaml');
    writeFileSync(file, ['set: { workload.bufferSize: 16KiB, workload.accessesPerDevice: 8 }', 'axes:', '  workload.mirror: [prefetch, on-fault]', 'seeds: 1..1', 'mode: sequential'].join('\n'));
    const r = await runCli(['sweep', file, '--out', join(dir, 'out'), '--jobs', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ on-fault /);
    expect(r.stdout).not.toContain('"on-fault"');
  });
});
