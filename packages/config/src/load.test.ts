import { describe, expect, it } from 'vitest';
import { ConfigError, nsToPs } from '@cdmsim/engine';
import { defaultTopology, parseMachineYaml, DEFAULT_MACHINE_YAML, type SimConfig } from './index.js';
import { TINY_YAML, fixturePath, issuesOf } from '../test-fixtures/fixtures.js';
import { FORMAT } from '../test-fixtures/catalog.js';

const loadConfigFile = (path: string): SimConfig => FORMAT.loadFile(path);
const parseConfigYaml = (text: string, file: string): SimConfig => FORMAT.parseYaml(text, file);

const GiB = 2 ** 30;
const at = (line: number, column: number, path: string, message: string) =>
  expect.objectContaining({ line, column, path, message: expect.stringContaining(message) });

describe('default machine', () => {
  const topology = defaultTopology();
  const byName = new Map(topology.nodes.map((n) => [n.name, n.id]));

  it('numbers cpus 0..1 then gpus 2..5, with nodes[id].id === id', () => {
    expect(topology.nodes.map((n) => `${n.id}:${n.name}:${n.kind}`)).toEqual([
      '0:cpu0:cpu', '1:cpu1:cpu', '2:gpu0:gpu', '3:gpu1:gpu', '4:gpu2:gpu', '5:gpu3:gpu',
    ]);
    expect(topology.cpus.map((n) => n.id)).toEqual([0, 1]);
    expect(topology.devices.map((n) => n.id)).toEqual([2, 3, 4, 5]);
    expect(topology.links.map((l) => l.id)).toEqual([...topology.links.keys()]);
  });

  it('has the AC922 figures in resolved units', () => {
    expect(topology.pageSizeBytes).toBe(4096);
    expect(topology.cpus[0]?.memory).toEqual({ sizeBytes: 256 * GiB, latencyPs: nsToPs(90), bandwidthBytesPerNs: 170, kind: 'system' });
    for (const gpu of topology.devices) {
      expect(gpu.memory.kind).toBe('public');
      expect(gpu.memory.sizeBytes).toBeGreaterThanOrEqual(16 * GiB);
      expect(gpu.memory.bandwidthBytesPerNs).toBe(900);
      expect(gpu.faultLatencyPs).toBe(20_000_000);
    }
    expect(topology.cpus[0]?.cache).toEqual({ sizeBytes: 110 * 2 ** 20, ways: 16, lineBytes: 128, hitLatencyPs: 12_000 });
  });

  it('links the sockets, each GPU coherently to its CPU, and the GPUs as a full mesh', () => {
    const links = topology.links;
    expect(links).toHaveLength(1 + 4 + 6);
    expect(links[0]).toMatchObject({ name: 'cpu0-cpu1', a: 0, b: 1, kind: 'smp', bandwidthBytesPerNs: 64, latencyPs: 60_000, coherent: true });
    const cpuOf = (gpu: string) => links.find((l) => l.a === byName.get(gpu) && topology.nodes[l.b]?.kind === 'cpu');
    expect(['gpu0', 'gpu1', 'gpu2', 'gpu3'].map((g) => topology.nodes[cpuOf(g)?.b ?? -1]?.name)).toEqual(['cpu0', 'cpu0', 'cpu1', 'cpu1']);
    expect(links.slice(1, 5).every((l) => l.kind === 'nvlink' && l.coherent && l.bandwidthBytesPerNs === 75)).toBe(true);
    const mesh = new Set(links.slice(5).map((l) => [l.a, l.b].sort().join('-')));
    expect(mesh).toEqual(new Set(['2-3', '4-5', '2-4', '2-5', '3-4', '3-5']));
  });

  it('is JSON round-trippable and structured-cloneable', () => {
    expect(JSON.parse(JSON.stringify(topology))).toEqual(topology);
    expect(structuredClone(topology)).toEqual(topology);
  });

  it('has no workload section (the built-in experiment adds the default workload\'s) and refuses one in a machine file', () => {
    expect(DEFAULT_MACHINE_YAML).not.toMatch(/^workload:/m);
    expect(() => parseMachineYaml(`${DEFAULT_MACHINE_YAML}workload:\n  count: 2\n`, 'm.yaml')).toThrow(/m\.yaml:\d+:1: workload: unknown field "workload"/);
  });
});

describe('error messages name file, line, column and field path', () => {
  it('lists every schema problem of broken-schema.yaml', () => {
    const file = fixturePath('broken-schema.yaml');
    const issues = issuesOf(() => loadConfigFile(file));
    expect(issues.every((i) => i.file === file)).toBe(true);
    expect(issues).toEqual([
      at(6, 19, 'cpus[0].dram.size', 'did you mean "16GiB"? (got "16GB")'),
      at(7, 32, 'cpus[0].cache.ways', 'must be a power of two (got 12)'),
      at(11, 13, 'devices[0].memory.latencyNs', 'is required'),
      at(17, 20, 'links[0].bandwidthGBps', 'must be a positive number (got -5)'),
      at(20, 5, 'links[0].colour', 'unknown field "colour"'),
    ]);
  });

  it('lists every semantic problem of broken-semantics.yaml, in file order', () => {
    const issues = issuesOf(() => loadConfigFile(fixturePath('broken-semantics.yaml')));
    expect(issues).toEqual([
      at(15, 34, 'devices[0].memory.kind', 'device "gpu0" has public (CDM) memory'),
      at(19, 21, 'devices[1].memory.size', 'multiple of pageSize'),
      at(20, 20, 'devices[1].cache.size', 'multiple of ways × lineSize'),
      at(21, 1, 'links', 'cpu1, gpu1 cannot be reached from cpu0'),
      at(28, 21, 'links[1].between[1]', 'no node named "gpu9" (known: cpu0, cpu1, gpu0, gpu1)'),
      at(34, 16, 'links[2].between', 'links[0] already joins'),
      at(36, 9, 'workload.node', 'no CPU node named "gpu0"'),
      at(37, 10, 'workload.bytes', 'at most pageSize'),
    ]);
  });

  it('puts one problem per line in the ConfigError message as FILE:LINE:COL: PATH: message', () => {
    let error: unknown;
    try {
      parseConfigYaml(TINY_YAML.replace('bandwidthGBps: 75', 'bandwidthGBps: -5').replace('cores: 4', 'cores: 0'), 'machine.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.split('\n')).toEqual([
      'machine.yaml:5:12: cpus[0].cores: must be a positive number (got 0)',
      'machine.yaml:19:75: links[1].bandwidthGBps: must be a positive number (got -5)',
    ]);
  });

  it('reports semantic problems once the schema problems are fixed', () => {
    expect(issuesOf(() => parseConfigYaml(TINY_YAML.replace('name: cpu1', 'name: cpu0'), 'machine.yaml'))).toEqual([
      at(8, 11, 'cpus[1].name', 'duplicate node name "cpu0"'),
      at(18, 23, 'links[0].between[1]', 'no node named "cpu1" (known: cpu0, gpu0)'),
    ]);
  });

  it('points a missing field at its parent mapping', () => {
    const text = TINY_YAML.replace('    cores: 4\n', '');
    expect(issuesOf(() => parseConfigYaml(text, 'm.yaml'))).toEqual([at(4, 5, 'cpus[0].cores', 'is required')]);
  });

  it('gives a line and the parser message for malformed YAML', () => {
    expect(issuesOf(() => loadConfigFile(fixturePath('broken-syntax.yaml')))).toEqual([
      expect.objectContaining({ line: 5, column: 5, path: '(yaml syntax)', message: expect.stringContaining('Flow sequence') }),
    ]);
    expect(issuesOf(() => parseConfigYaml('name: a\nname: b\n', 'dup.yaml'))).toEqual([
      expect.objectContaining({ file: 'dup.yaml', line: 2, column: 1, message: expect.stringContaining('unique') }),
    ]);
  });

  it('reports an empty file as not being a mapping', () => {
    expect(issuesOf(() => parseConfigYaml('', 'empty.yaml'))).toEqual([
      expect.objectContaining({ path: '(top level)', message: 'must be a mapping of fields (got null)' }),
    ]);
  });

  it('throws a ConfigError naming the path when the file cannot be read', () => {
    expect(() => loadConfigFile('/nonexistent/machine.yaml')).toThrow(/\/nonexistent\/machine.yaml: cannot read config file/);
  });
});

describe('defaults', () => {
  it('fills workload (the first kind of the catalog), device figures and pageSize when absent', () => {
    const config: SimConfig = parseConfigYaml(TINY_YAML, 'tiny.yaml');
    expect(config.topology.pageSizeBytes).toBe(4096);
    expect(config.topology.devices[0]).toMatchObject({ faultLatencyPs: 20_000_000, copyBandwidthBytesPerNs: 50 });
    expect(config.topology.links.map((l) => l.name)).toEqual(['cpu0-cpu1', 'gpu0-cpu0']);
    expect(config.workload).toEqual({ kind: 'probe', node: 0, bytes: 64, count: 1 });
  });
});
