#!/usr/bin/env node
// Regenerates the generated documents under docs/ from the code (run after
// `npm run build`): `npm run docs`. test/docs.test.ts fails when a checked-in
// document differs from what the code renders, so docs never drift.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeLayouts } from '@cdmsim/shm';
import { renderMessagePorts } from '@cdmsim/kernel';
import { renderCoherenceTables, TABLES_DOC_PATH } from '@cdmsim/coherence';

const docs = join(import.meta.dirname, '..', 'docs');
writeFileSync(join(docs, 'shm-layouts.md'), describeLayouts());
writeFileSync(join(docs, 'bus-messages.md'), renderMessagePorts());
writeFileSync(join(docs, '..', TABLES_DOC_PATH), renderCoherenceTables());
process.stdout.write(`wrote docs/shm-layouts.md, docs/bus-messages.md, ${TABLES_DOC_PATH}\n`);
