import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSweepFile, sweepPoints } from './index.js';
import { issuesOf } from '../test-fixtures/fixtures.js';

/** Writes `text` as a sweep file in a fresh folder; returns its path. */
function sweepFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cdmsim-sweep-')), 'grid.yaml');
  writeFileSync(path, text);
  return path;
}

describe('sweep files', () => {
  it('expands machines × axes × seeds, the last axis fastest and seeds fastest of all', () => {
    const path = sweepFile(['machines: [a.yaml, sub/b.yaml]', 'axes:', '  workload.lines: [1, 2]', '  cpus[cpu0].cores: { from: 2, to: 6, step: 2 }', 'seeds: 4..5'].join('\n'));
    const plan = loadSweepFile(path);
    expect(plan.machines).toEqual([join(path, '..', 'a.yaml'), join(path, '..', 'sub', 'b.yaml')]);
    expect(plan.axes).toEqual([
      { path: 'workload.lines', values: [1, 2] },
      { path: 'cpus[cpu0].cores', values: [2, 4, 6] },
    ]);
    const points = sweepPoints(plan);
    expect(points).toHaveLength(2 * 2 * 3 * 2);
    expect(points.slice(0, 3).map((p) => [p.machine?.endsWith('a.yaml'), p.values.map((v) => v.value), p.seed])).toEqual([
      [true, [1, 2], 4],
      [true, [1, 2], 5],
      [true, [1, 4], 4],
    ]);
    expect(points[23]!.machine?.endsWith('b.yaml')).toBe(true);
    expect(points[5]!.overrides.map((o) => o.text)).toEqual(['workload.lines=1', 'cpus[cpu0].cores=6']);
    expect(points.map((p) => p.index)).toEqual([...points.keys()]);
  });

  it('puts the fixed overrides first, defaults to the built-in machine, seed 1 and deterministic mode', () => {
    const plan = loadSweepFile(sweepFile('set: { workload.bufferSize: 64KiB }\n'));
    expect(plan).toMatchObject({ machines: [undefined], seeds: [1], mode: 'deterministic', metric: 'simTimePs' });
    expect(sweepPoints(plan).map((p) => p.overrides.map((o) => [o.text, o.value]))).toEqual([[['workload.bufferSize="64KiB"', '64KiB']]]);
  });

  it('steps a fractional range without accumulated rounding error', () => {
    const plan = loadSweepFile(sweepFile('axes:\n  workload.writeFraction: { from: 0, to: 1, step: 0.1 }\n'));
    expect(plan.axes[0]!.values).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  });

  it('reports every problem with its line: unknown fields, bad seeds, config and machines together, unreadable paths', () => {
    const path = sweepFile(['config: x.yaml', 'machines: [y.yaml]', 'seeds: 9..2', 'axes:', '  "cpus..cores": [1]', 'colour: red'].join('\n'));
    const issues = issuesOf(() => loadSweepFile(path));
    expect(issues.map((i) => `${i.line ?? '-'} ${i.path}: ${i.message}`)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^6 colour: unknown field/), expect.stringMatching(/^3 seeds: the range ends before it starts/)]),
    );
    const second = issuesOf(() => loadSweepFile(sweepFile(['config: x.yaml', 'machines: [y.yaml]'].join('\n'))));
    expect(second).toEqual([expect.objectContaining({ line: 2, path: 'machines', message: expect.stringMatching(/^give either config or machines, not both/) })]);
    const third = issuesOf(() => loadSweepFile(sweepFile(['axes:', '  "cpus..cores": [1]'].join('\n'))));
    expect(third).toEqual([expect.objectContaining({ line: 2, path: 'axes.cpus..cores', message: expect.stringMatching(/cannot read the path/) })]);
  });

  it('refuses a grid of more points than the limit before expanding it', () => {
    const axis = (name: string) => `  ${name}: { from: 1, to: 100, step: 1 }`;
    const issues = issuesOf(() => loadSweepFile(sweepFile(['axes:', axis('a'), axis('b'), axis('c'), 'seeds: 1..2'].join('\n'))));
    expect(issues[0]!.message).toMatch(/expands to 2000000 points, more than 100000/);
  });
});
