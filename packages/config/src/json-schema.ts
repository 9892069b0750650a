/** The JSON Schema (draft 2020-12) of the YAML config format, generated from the zod schema. */
import { z } from 'zod';
import { configSchema } from './schema.js';

/** Path of the checked-in JSON Schema, relative to the repository root. */
export const JSON_SCHEMA_REPO_PATH = 'schema/cdmsim-config.schema.json';

/**
 * Returns the JSON Schema of the config file format (the input side: size
 * strings, defaults shown, unknown fields forbidden), with descriptions for
 * editors. Plain data; a new object on every call.
 */
export function topologyJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, { target: 'draft-2020-12', io: 'input' });
  const { $schema, ...rest } = generated;
  return { $schema, title: 'cdmsim configuration', ...rest };
}

/** Returns the exact text of the checked-in schema file: 2-space JSON plus a final newline. */
export function topologyJsonSchemaText(): string {
  return `${JSON.stringify(topologyJsonSchema(), null, 2)}\n`;
}
