import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '@cdmsim/engine';
import { ConfigFormat, ConfigValidationError, WorkloadCatalog, defineWorkloadConfig } from './index.js';
import { FORMAT, OTHER, PROBE } from '../test-fixtures/catalog.js';
import { tinyRaw } from '../test-fixtures/fixtures.js';

describe('WorkloadCatalog: the config format learns workload kinds only from its catalog', () => {
  it('runs the first kind when the section or its kind is absent', () => {
    const raw = tinyRaw();
    expect(FORMAT.resolve(raw).workload).toEqual({ kind: 'probe', node: 0, bytes: 64, count: 1 });
    expect(FORMAT.resolve({ ...raw, workload: { count: 3 } }).workload).toEqual({ kind: 'probe', node: 0, bytes: 64, count: 3 });
    expect(FORMAT.catalog.defaultKind).toBe('probe');
  });

  it('resolves another kind with its own defaults and resolution', () => {
    expect(FORMAT.resolve({ ...tinyRaw(), workload: { kind: 'other' } }).workload).toEqual({ kind: 'other', lines: 3 });
    expect(FORMAT.resolve({ ...tinyRaw(), workload: { kind: 'probe', node: 'cpu1' } }).workload).toMatchObject({ node: 1 });
  });

  it('names every known kind when the kind is unknown', () => {
    expect(() => FORMAT.resolve({ ...tinyRaw(), workload: { kind: 'nope' } })).toThrow('<object>: workload.kind: must be one of: "probe", "other" (got "nope")');
  });

  it('refuses a catalog without kinds, with a kind twice, or with a kind that declares `kind` itself', () => {
    expect(() => new WorkloadCatalog([])).toThrow(ConfigError);
    expect(() => new WorkloadCatalog([PROBE, OTHER, PROBE])).toThrow('workload kind "probe" is registered twice');
    const sneaky = defineWorkloadConfig({ kind: 'sneaky', description: '', fields: { kind: z.string() }, resolve: () => ({ kind: 'sneaky' }), document: () => ({}) });
    expect(() => new WorkloadCatalog([sneaky])).toThrow('declares a field named kind');
  });

  it('resolves a workload section built in code with the messages of a file (resolveWorkload)', () => {
    expect(FORMAT.resolveWorkload({ kind: 'other', lines: 5 })).toEqual({ kind: 'other', lines: 5 });
    expect(() => FORMAT.resolveWorkload({ kind: 'other', lines: -1 })).toThrow(ConfigValidationError);
    expect(() => FORMAT.resolveWorkload({ kind: 'other', lines: -1 })).toThrow('<other workload>: workload.lines: must be a positive number (got -1)');
    expect(() => FORMAT.resolveWorkload({ kind: 'probe', node: 'cpu0' })).toThrow(/names node "cpu0": resolve it as part of a whole config/);
  });

  it('gives a JSON Schema (draft 2020-12) that forbids unknown fields, offers every kind and describes fields for editors', () => {
    const schema = new ConfigFormat(FORMAT.catalog).jsonSchema() as {
      $schema: string;
      additionalProperties: boolean;
      properties: Record<string, { description?: string; oneOf?: { properties: Record<string, { const?: string; description?: string }> }[]; items?: { properties: Record<string, { description?: string }> } }>;
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties['pageSize']?.description).toMatch(/4KiB\.\.2MiB/);
    expect(schema.properties['links']?.items?.properties['headerBytes']?.description).toMatch(/header bytes/);
    const kinds = (schema.properties['workload']?.oneOf ?? []).map((o) => o.properties['kind']?.const);
    expect(kinds).toEqual(['probe', 'other']);
    expect(schema.properties['workload']?.oneOf?.[1]?.properties['lines']?.description).toBe('Lines.');
  });
});
