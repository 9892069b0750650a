/**
 * Script: writes docs/coherence-tables.md from the protocol tables.
 * Run from the repository root: `node packages/coherence/dist/render-tables.js`
 * (`--check` exits 1 instead of writing when the file is out of date).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderCoherenceTables, TABLES_DOC_PATH } from './tables-doc.js';

/** Absolute path of the generated document (resolved from this file, so any working directory works). */
export const tablesDocFile = fileURLToPath(new URL(`../../../${TABLES_DOC_PATH}`, import.meta.url));

function main(): void {
  const text = renderCoherenceTables();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(tablesDocFile, 'utf8');
    } catch {
      /* missing counts as different */
    }
    if (current !== text) {
      process.stderr.write(`${TABLES_DOC_PATH} is out of date: run node packages/coherence/dist/render-tables.js\n`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(tablesDocFile, text);
  process.stdout.write(`wrote ${TABLES_DOC_PATH}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
