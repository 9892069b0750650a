import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JSON_SCHEMA_REPO_PATH, topologyJsonSchema, topologyJsonSchemaText } from './index.js';
import { repoPath } from '../test-fixtures/fixtures.js';

describe('JSON Schema', () => {
  it('checked-in file is what the code generates (regenerate: node packages/config/dist/write-json-schema.js)', () => {
    expect(readFileSync(repoPath(JSON_SCHEMA_REPO_PATH), 'utf8')).toBe(topologyJsonSchemaText());
  });

  it('is draft 2020-12, forbids unknown fields and describes fields for editors', () => {
    const schema = topologyJsonSchema() as {
      $schema: string;
      additionalProperties: boolean;
      properties: Record<string, { description?: string; items?: { properties: Record<string, { description?: string }> } }>;
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties['pageSize']?.description).toMatch(/4KiB\.\.2MiB/);
    expect(schema.properties['links']?.items?.properties['headerBytes']?.description).toMatch(/header bytes/);
  });
});
