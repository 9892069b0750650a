/**
 * Writes the generated JSON Schema to `schema/cdmsim-config.schema.json` at
 * the repository root. Run after building: `node packages/config/dist/write-json-schema.js`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JSON_SCHEMA_REPO_PATH, topologyJsonSchemaText } from './json-schema.js';

// This file runs from packages/config/dist/, three levels below the repository root.
const target = fileURLToPath(new URL(`../../../${JSON_SCHEMA_REPO_PATH}`, import.meta.url));
writeFileSync(target, topologyJsonSchemaText());
console.log(`wrote ${target}`);
