import { describe, expect, it } from 'vitest';
import { tinyIssues, tinyRaw } from '../test-fixtures/fixtures.js';
import { FORMAT } from '../test-fixtures/catalog.js';

const issue = (path: string, message: RegExp | string) =>
  expect.objectContaining({ file: '<object>', path, message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message) });

describe('tiny.yaml baseline', () => {
  it('is valid, so every failure below comes from the one change made', () => {
    expect(() => FORMAT.resolve(tinyRaw())).not.toThrow();
  });
});

describe('names and link endpoints', () => {
  it('rejects a node name used twice across cpus and devices', () => {
    expect(tinyIssues((c) => (c.devices[0].name = 'cpu1'))).toContainEqual(
      issue('devices[0].name', 'duplicate node name "cpu1" (already used by cpus[1].name)'),
    );
  });
  it('rejects a link name used twice, including a clash with a default name', () => {
    expect(tinyIssues((c) => (c.links[0].name = c.links[1].name = 'x'))).toContainEqual(issue('links[1].name', 'duplicate link name "x"'));
    expect(tinyIssues((c) => (c.links[0].name = 'gpu0-cpu0'))).toContainEqual(issue('links[1].between', /duplicate link name "gpu0-cpu0".*default name/));
  });
  it('rejects a link endpoint that names no node and lists the known ones', () => {
    expect(tinyIssues((c) => (c.links[1].between[0] = 'gpu9'))).toContainEqual(
      issue('links[1].between[0]', 'no node named "gpu9" (known: cpu0, cpu1, gpu0)'),
    );
  });
  it('rejects a link from a node to itself', () => {
    expect(tinyIssues((c) => (c.links[0].between = ['cpu0', 'cpu0']))).toContainEqual(issue('links[0].between', 'two different nodes'));
  });
  it('rejects a second link between the same pair, in either order', () => {
    expect(tinyIssues((c) => c.links.push({ ...c.links[0], between: ['cpu1', 'cpu0'], name: 'again' }))).toContainEqual(
      issue('links[2].between', 'links[0] already joins "cpu1" and "cpu0"'),
    );
  });
});

describe('sizes, latencies, bandwidths and geometry', () => {
  it('rejects non-positive bandwidths, latencies and sizes', () => {
    const issues = tinyIssues((c) => {
      c.links[0].bandwidthGBps = 0;
      c.cpus[0].dram.latencyNs = -3;
      c.devices[0].memory.size = 0;
      c.links[1].headerBytes = 0;
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        issue('links[0].bandwidthGBps', 'must be a positive number (got 0)'),
        issue('cpus[0].dram.latencyNs', 'must be a positive number (got -3)'),
        issue('devices[0].memory.size', '(got 0)'),
        issue('links[1].headerBytes', 'must be a positive number (got 0)'),
      ]),
    );
    expect(issues).toHaveLength(4);
  });
  it('rejects a latency that rounds to zero picoseconds', () => {
    expect(tinyIssues((c) => (c.links[0].latencyNs = 0.0001))).toContainEqual(issue('links[0].latencyNs', '1 ps'));
  });
  it('rejects memory sizes that are not a multiple of pageSize', () => {
    expect(tinyIssues((c) => (c.cpus[1].dram.size = '1000000B'))).toContainEqual(issue('cpus[1].dram.size', 'multiple of pageSize 4KiB'));
    expect(tinyIssues((c) => ((c.pageSize = '64KiB'), (c.devices[0].memory.size = '1056KiB')))).toContainEqual(
      issue('devices[0].memory.size', 'multiple of pageSize 64KiB (got 1056KiB)'),
    );
  });
  it('rejects page sizes that are not a power of two from 4KiB to 2MiB', () => {
    for (const pageSize of ['3KiB', '2KiB', '4MiB', '12KiB']) {
      expect(tinyIssues((c) => (c.pageSize = pageSize))).toContainEqual(issue('pageSize', 'power of two from 4KiB to 2MiB'));
    }
  });
  it('rejects inconsistent cache geometry', () => {
    expect(tinyIssues((c) => (c.devices[0].cache.size = '3KiB'))).toContainEqual(
      issue('devices[0].cache.size', 'multiple of ways × lineSize (16 × 128B = 2KiB) (got 3KiB)'),
    );
    expect(tinyIssues((c) => (c.cpus[0].cache.ways = 12))).toContainEqual(issue('cpus[0].cache.ways', 'must be a power of two (got 12)'));
    expect(tinyIssues((c) => (c.cpus[0].cache.lineSize = '48B'))).toContainEqual(issue('cpus[0].cache.lineSize', 'must be a power of two'));
    expect(tinyIssues((c) => (c.cpus[0].cache.lineSize = '8KiB'))).toContainEqual(issue('cpus[0].cache.lineSize', 'at most pageSize'));
  });
});

describe('connectivity and coherent reach', () => {
  it('rejects a machine that is not connected and names the unreachable nodes', () => {
    expect(tinyIssues((c) => c.links.splice(0, 1))).toContainEqual(issue('links', 'cpu1 cannot be reached from cpu0'));
    expect(tinyIssues((c) => delete c.links)).toContainEqual(issue('links', 'cpu1, gpu0 cannot be reached'));
  });
  it('rejects a public (CDM) device without a coherent path to a CPU, naming the device', () => {
    expect(tinyIssues((c) => (c.links[1].coherent = false))).toContainEqual(issue('devices[0].memory.kind', 'device "gpu0" has public (CDM) memory'));
  });
  it('accepts the same links when the device memory is private', () => {
    const raw = tinyRaw();
    raw.links[1].coherent = false;
    raw.devices[0].memory.kind = 'private';
    expect(FORMAT.resolve(raw).topology.devices[0]?.memory.kind).toBe('private');
  });
  it('accepts a public device whose coherent path to a CPU goes through another device', () => {
    const raw = tinyRaw();
    raw.devices.push({ ...raw.devices[0], name: 'gpu1' });
    raw.links.push({ ...raw.links[1], between: ['gpu1', 'gpu0'] });
    expect(FORMAT.resolve(raw).topology.nodes).toHaveLength(4);
  });
});

describe('workload (the kind\'s own checks, with the machine\'s in one list)', () => {
  it('runs the kind\'s check against the machine', () => {
    expect(tinyIssues((c) => (c.workload = { node: 'gpu0' }))).toContainEqual(issue('workload.node', 'no CPU node named "gpu0"'));
    expect(tinyIssues((c) => (c.workload = { kind: 'probe', bytes: '8KiB' }))).toContainEqual(issue('workload.bytes', 'at most pageSize 4KiB'));
  });
  it('checks the kind\'s fields with the schema\'s messages', () => {
    expect(tinyIssues((c) => (c.workload = { kind: 'other', lines: 65 }))).toContainEqual(issue('workload.lines', 'must be ≤ 64 (got 65)'));
    expect(tinyIssues((c) => (c.workload = { count: 0 }))).toContainEqual(issue('workload.count', 'must be a positive number (got 0)'));
  });
  it('reports the machine\'s problems and the workload\'s together', () => {
    const issues = tinyIssues((c) => {
      c.cpus[1].name = 'cpu0';
      c.workload = { node: 'cpu9' };
    });
    expect(issues).toEqual(expect.arrayContaining([issue('cpus[1].name', 'duplicate node name "cpu0"'), issue('workload.node', 'no CPU node named "cpu9"')]));
  });
});

describe('schema strictness', () => {
  it('rejects unknown fields at any depth, one issue per field', () => {
    const issues = tinyIssues((c) => {
      c.colour = 'blue';
      c.cpus[0].dram.speed = 4800;
      c.workload = { kind: 'probe', seeed: 1 };
    });
    expect(issues).toEqual([
      issue('cpus[0].dram.speed', 'unknown field "speed"'),
      issue('workload.seeed', 'unknown field "seeed"'),
      issue('colour', 'unknown field "colour"'),
    ]);
  });
  it('reports a missing required field, wrong types and wrong enum values', () => {
    const issues = tinyIssues((c) => {
      delete c.name;
      c.cpus[0].cores = 2.5;
      c.links[0].kind = 'infiniband';
      c.links[0].coherent = 'yes';
      c.links[1].between = ['gpu0'];
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        issue('name', 'is required'),
        issue('cpus[0].cores', 'must be a whole number (got 2.5)'),
        issue('links[0].kind', 'must be one of: "smp", "nvlink", "capi", "ccix", "cxl", "pcie" (got "infiniband")'),
        issue('links[0].coherent', 'must be a boolean (got "yes")'),
        issue('links[1].between', 'must have at least 2 items'),
      ]),
    );
  });
});
