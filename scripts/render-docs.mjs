#!/usr/bin/env node
// Regenerates the generated documents under docs/ from the code (run after
// `npm run build`): `npm run docs`. test/docs.test.ts fails when a checked-in
// document differs from what the code renders, so docs never drift.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeLayouts } from '@cdmsim/shm';

const docs = join(import.meta.dirname, '..', 'docs');
writeFileSync(join(docs, 'shm-layouts.md'), describeLayouts());
process.stdout.write('wrote docs/shm-layouts.md\n');
