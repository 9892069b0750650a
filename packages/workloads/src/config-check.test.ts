import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@cdmsim/engine';
import { ConfigValidationError, parseOverride, type SimConfig } from '@cdmsim/config';
import { defaultConfig, loadConfigFile, mmStressConfig, resolveConfig } from './builtin.js';
import { configFormat } from './registry.js';

const examples = join(import.meta.dirname, '..', '..', '..', 'examples');
const clone = (c: SimConfig): SimConfig => structuredClone(c);
const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigValidationError) return e.message;
    throw e;
  }
  return expect.unreachable('expected a ConfigValidationError');
};

/** Configs that spell out every field of every workload kind, optional ones included. */
function everyKind(): SimConfig[] {
  const machine = defaultConfig();
  const raw = (workload: Record<string, unknown>) => ({
    name: 'every-kind', cpus: [{ name: 'cpu0', cores: 4, dram: { size: '64MiB', latencyNs: 90, bandwidthGBps: 100 }, cache: { size: '64KiB', ways: 8, lineSize: '128B', hitLatencyNs: 2 } }],
    devices: [{ name: 'gpu0', kind: 'gpu', memory: { size: '64MiB', kind: 'public', latencyNs: 120, bandwidthGBps: 500 }, cache: { size: '64KiB', ways: 8, lineSize: '128B', hitLatencyNs: 3 } }],
    links: [{ between: ['cpu0', 'gpu0'], kind: 'nvlink', latencyNs: 60, bandwidthGBps: 75, headerBytes: 16, coherent: true }],
    workload,
  });
  return [
    machine,
    resolveConfig(raw({ kind: 'shared-buffer', process: 'cpu0', overlap: true, thinkTimeNs: 12.345 })),
    resolveConfig(raw({ kind: 'coherence-random', lines: 5, cacheLines: 2, watchdogPs: 123_456, testOnlyBrokenProtocol: 'skip-copy-data-on-read-miss' })),
    resolveConfig(raw({ kind: 'litmus', test: 'MP+fences', maxStartNs: 10, cacheLines: 1, watchdogPs: 99 })),
    resolveConfig(raw({ kind: 'mm-stress', caches: false, testOnlySabotage: 'corrupt-rss', ramPagesPerCpu: 32 })),
    mmStressConfig(),
  ];
}

describe('configFormat.check: a resolved config built or edited in code is checked like a file', () => {
  it('every example config and every workload kind (optional fields set) reads back unchanged', () => {
    const configs = [...readdirSync(examples).filter((f) => f.endsWith('.yaml')).map((f) => loadConfigFile(join(examples, f))), ...everyKind()];
    expect(new Set(configs.map((c) => c.workload.kind)).size).toBe(4);
    for (const config of configs) expect(configFormat.check(clone(config)), config.source).toEqual(config);
  });

  it('an edited field gets the message a file with that value gets', () => {
    const edited = clone(defaultConfig());
    Object.assign(edited.workload, { accessesPerDevice: -5 });
    const fromFile = messageOf(() => defaultConfig([parseOverride('workload.accessesPerDevice=-5')]));
    expect(messageOf(() => configFormat.check(edited))).toBe('<built-in default>: workload.accessesPerDevice: must be a positive number (got -5)');
    expect(fromFile).toContain('workload.accessesPerDevice: must be a positive number (got -5)');
  });

  it('machine rules apply too: an edited cache size that is no multiple of ways x lineSize names the YAML field', () => {
    const edited = clone(defaultConfig());
    edited.topology.cpus[0]!.cache.sizeBytes = 1000;
    expect(messageOf(() => configFormat.check(edited))).toMatch(/cpus\[0\]\.cache\.size: /);
  });

  it('a field no file has is reported as unknown, with the fields that are known there', () => {
    const edited = clone(defaultConfig());
    Object.assign(edited.workload, { acessesPerDevice: 64 });
    Object.assign(edited.topology.links[1]!, { latencyNS: 4 });
    const message = messageOf(() => configFormat.check(edited));
    expect(message).toContain('workload.acessesPerDevice: unknown field (known here: kind, process, bufferBytes, accessBytes, accessesPerDevice, writeFraction, overlap, thinkTimePs, mirror, placement, onDeviceFault)');
    expect(message).toContain('topology.links[1].latencyNS: unknown field');
  });

  it('values no file resolves to are named by their resolved field: a fractional ps time, a node id the machine lacks', () => {
    const fractional = clone(defaultConfig());
    fractional.topology.links[0]!.latencyPs = 1.5;
    expect(messageOf(() => configFormat.check(fractional))).toBe('<built-in default>: topology.links[0].latencyPs: is 1.5, which no config file resolves to (the same config gives 2)');
    const dangling = clone(defaultConfig());
    Object.assign(dangling.workload, { process: 42 });
    expect(messageOf(() => configFormat.check(dangling))).toMatch(/workload\.process: 42 is not a node id of this machine \(0\.\.5\)/);
  });

  it('a node edited through topology.nodes (the same object as cpus[i]) is reported once, under cpus[i]', () => {
    const edited = defaultConfig();
    Object.assign(edited.topology.nodes[0]!, { extra: 1 });
    expect(messageOf(() => configFormat.check(edited)).split('\n')).toEqual(['<built-in default>: topology.cpus[0].extra: unknown field (known here: id, kind, name, cores, faultLatencyPs, memory, cache)']);
  });

  it('fields a spec built in code leaves out take their defaults', () => {
    const partial = clone(defaultConfig());
    const { overlap: _overlap, ...rest } = partial.workload as unknown as Record<string, unknown>;
    const checked = configFormat.check({ ...partial, workload: rest as { kind: string } });
    expect(checked).toEqual(defaultConfig());
  });

  it('anything but an object is named, not thrown as a TypeError', () => {
    expect(messageOf(() => configFormat.check({ topology: 3, workload: null, source: 'x' } as unknown as SimConfig))).toMatch(/^x: name: /);
    expect(messageOf(() => configFormat.check({ ...defaultConfig(), workload: { kind: 'nope' } }))).toContain('workload.kind');
  });
});

describe('ConfigError', () => {
  it('shows only its name and message, no frames (an uncaught one prints what is wrong with the input)', () => {
    expect(new ConfigError('bad size').stack).toBe('ConfigError: bad size');
    expect(new ConfigValidationError([{ file: 'f.yaml', path: 'name', message: 'is empty' }]).stack).toBe('ConfigValidationError: f.yaml: name: is empty');
  });
});
