import { describe, expect, it } from 'vitest';
import { nsToPs } from '@cdmsim/engine';
import { applyOverrides, parseOverride } from './index.js';
import { TINY_YAML, issuesOf, tinyRaw } from '../test-fixtures/fixtures.js';
import { FORMAT } from '../test-fixtures/catalog.js';

const GiB = 2 ** 30;
const withSets = (...sets: string[]) => FORMAT.parseYaml(TINY_YAML, 'tiny.yaml', sets.map(parseOverride));

describe('--set PATH=VALUE overrides', () => {
  it('reads keys, list indices and list entry names, and the value as YAML', () => {
    expect(parseOverride('cpus[cpu1].dram.latencyNs=120')).toEqual({
      text: 'cpus[cpu1].dram.latencyNs=120',
      steps: [{ key: 'cpus' }, { entryName: 'cpu1' }, { key: 'dram' }, { key: 'latencyNs' }],
      value: 120,
    });
    expect(parseOverride('links[1].between=[gpu0, cpu1]').value).toEqual(['gpu0', 'cpu1']);
    expect(parseOverride('devices[gpu0].memory.size=2GiB').value).toBe('2GiB');
    expect(parseOverride('workload={ kind: other, lines: 3 }').value).toEqual({ kind: 'other', lines: 3 });
  });

  it('changes the resolved machine exactly as the same edit of the document would', () => {
    const raw = tinyRaw();
    raw.devices[0].memory.size = '2GiB';
    raw.cpus[1].dram.latencyNs = 120;
    const edited = FORMAT.resolve(raw, 'tiny.yaml');
    const set = withSets('devices[gpu0].memory.size=2GiB', 'cpus[1].dram.latencyNs=120');
    expect(set).toEqual(edited);
    expect(set.topology.devices[0]!.memory.sizeBytes).toBe(2 * GiB);
    expect(set.topology.cpus[1]!.memory.latencyPs).toBe(nsToPs(120));
    expect(set.topology.cpus[0]!.memory.latencyPs).toBe(nsToPs(90));
  });

  it('creates a missing section on the way (a workload on a file without one), later overrides winning', () => {
    const config = withSets('workload.kind=other', 'workload.lines=2', 'workload.lines=5');
    expect(config.workload).toMatchObject({ kind: 'other', lines: 5 });
  });

  it('leaves the document it was given untouched', () => {
    const raw = tinyRaw();
    const before = JSON.stringify(raw);
    applyOverrides(raw, [parseOverride('cpus[0].cores=8')]);
    expect(JSON.stringify(raw)).toBe(before);
  });

  it('names the override, not a line of the file, when the value it sets is invalid (unknown fields too)', () => {
    const issues = issuesOf(() => withSets('cpus[cpu0].dram.latencyNs=fast', 'cpus[0].turbo=true', 'links[0].bandwidthGBps=-1'));
    expect(issues.map((i) => [i.file, i.path, i.line])).toEqual(
      expect.arrayContaining([
        ['--set cpus[cpu0].dram.latencyNs=fast', 'cpus[0].dram.latencyNs', undefined],
        ['--set cpus[0].turbo=true', 'cpus[0].turbo', undefined],
        ['--set links[0].bandwidthGBps=-1', 'links[0].bandwidthGBps', undefined],
      ]),
    );
    expect(issues).toHaveLength(3);
  });

  it('keeps the file position of a problem the override did not cause', () => {
    const issues = issuesOf(() => FORMAT.parseYaml(TINY_YAML.replace('cores: 4', 'cores: -4'), 'tiny.yaml', [parseOverride('cpus[1].cores=8')]));
    expect(issues).toEqual([expect.objectContaining({ file: 'tiny.yaml', line: 5, path: 'cpus[0].cores' })]);
  });

  it('refuses a path that does not lead to a field, naming the override', () => {
    expect(issuesOf(() => withSets('cpus[cpu7].cores=2'))).toEqual([expect.objectContaining({ file: '--set', path: 'cpus[cpu7].cores=2', message: 'cpus has no entry named cpu7' })]);
    expect(issuesOf(() => withSets('cpus[5].cores=2'))[0]!.message).toBe('cpus has 2 entries (index 5)');
    expect(issuesOf(() => withSets('name.x=2'))[0]!.message).toBe('name is not a mapping (no field x)');
    expect(issuesOf(() => withSets('cpus.x=2'))[0]!.message).toBe('cpus is not a mapping (no field x)');
  });

  it('refuses text that is not PATH=VALUE or a path it cannot read', () => {
    for (const bad of ['cores', '=3', '[0].x=1', 'cpus..cores=1', 'cpus[0]cores=1', 'a b=1']) {
      expect(() => parseOverride(bad), bad).toThrow(/^--set: /);
    }
    expect(() => parseOverride('x=[1, 2')).toThrow(/the value is not valid YAML/);
  });
});
