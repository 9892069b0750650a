import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeLayouts } from '@cdmsim/shm';
import { renderMessagePorts } from '@cdmsim/kernel';

describe('generated docs are up to date (run `npm run docs` after changing a layout)', () => {
  it('docs/shm-layouts.md matches the layouts in packages/shm/src/layout.ts', () => {
    expect(readFileSync(join(import.meta.dirname, '..', 'docs', 'shm-layouts.md'), 'utf8')).toBe(describeLayouts());
  });

  it('docs/bus-messages.md matches the protocol in packages/kernel/src/message-ports.ts', () => {
    expect(readFileSync(join(import.meta.dirname, '..', 'docs', 'bus-messages.md'), 'utf8')).toBe(renderMessagePorts());
  });
});
