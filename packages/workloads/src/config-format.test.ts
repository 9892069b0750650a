import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JSON_SCHEMA_REPO_PATH } from '@cdmsim/config';
import { DEFAULT_CONFIG_YAML, defaultConfig, loadConfigFile } from './builtin.js';
import { configFormat, WORKLOADS, workloadOf } from './registry.js';

const repoPath = (p: string): string => join(import.meta.dirname, '..', '..', '..', p);
const GiB = 2 ** 30;

describe('the registry\'s config format', () => {
  it('knows every registered workload, the first one by default', () => {
    expect(configFormat.catalog.kinds.map((k) => k.kind)).toEqual(WORKLOADS.map((w) => w.kind));
    expect(configFormat.catalog.defaultKind).toBe(WORKLOADS[0].kind);
    for (const w of WORKLOADS) expect(workloadOf(w.kind)).toBe(w);
    expect(() => workloadOf('nope')).toThrow(/unknown workload kind "nope" \(known: "shared-buffer", "coherence-random", "litmus", "mm-stress", "session"\)/);
  });

  it('checked-in JSON Schema is what the registry generates (regenerate: npm run schema)', () => {
    expect(readFileSync(repoPath(JSON_SCHEMA_REPO_PATH), 'utf8')).toBe(configFormat.jsonSchemaText());
  });
});

describe('built-in experiment', () => {
  it('is the default machine plus the default workload\'s example section, the same text as examples/default.yaml', () => {
    expect(readFileSync(repoPath('examples/default.yaml'), 'utf8')).toBe(DEFAULT_CONFIG_YAML);
  });

  it('runs the shared-buffer workload from cpu0 with every default spelled out', () => {
    const config = defaultConfig();
    expect(config.workload).toEqual({
      kind: 'shared-buffer', process: 0, bufferBytes: 2 ** 20, accessBytes: 64, accessesPerDevice: 512,
      writeFraction: 0.5, overlap: false, thinkTimePs: 50_000, mirror: 'prefetch', placement: 'ram', onDeviceFault: 'map',
    });
    expect(config.source).toBe('<built-in default>');
    expect(configFormat.parseYaml(DEFAULT_CONFIG_YAML.split('\nworkload:')[0]!, 'no-workload.yaml').workload).toEqual(config.workload);
  });
});

describe('examples', () => {
  const dir = repoPath('examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it.each(files)('%s validates and points editors at the JSON Schema', (file) => {
    const text = readFileSync(`${dir}/${file}`, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/cdmsim-config.schema.json');
    const config = loadConfigFile(`${dir}/${file}`);
    expect(config.source).toBe(`${dir}/${file}`);
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });

  it('dgx-h100.yaml has 2 CPUs, 8 private-memory GPUs on PCIe, and an NVLink mesh of 28 pairs', () => {
    const { topology } = loadConfigFile(`${dir}/dgx-h100.yaml`);
    expect(topology.cpus.map((c) => c.memory.sizeBytes)).toEqual([2 ** 40, 2 ** 40]);
    expect(topology.devices).toHaveLength(8);
    expect(topology.devices.every((d) => d.memory.kind === 'private' && d.memory.sizeBytes === 80 * GiB)).toBe(true);
    const pcie = topology.links.filter((l) => l.kind === 'pcie');
    expect(pcie).toHaveLength(8);
    expect(pcie.every((l) => !l.coherent && l.bandwidthBytesPerNs === 64)).toBe(true);
    expect(pcie.map((l) => topology.nodes[l.b]?.name)).toEqual(['cpu0', 'cpu0', 'cpu0', 'cpu0', 'cpu1', 'cpu1', 'cpu1', 'cpu1']);
    expect(new Set(topology.links.filter((l) => l.kind === 'nvlink').map((l) => [l.a, l.b].sort().join('-'))).size).toBe(28);
  });
});
