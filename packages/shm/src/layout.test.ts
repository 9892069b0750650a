import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeLayouts } from './describe-layouts.js';
import {
  ALL_LAYOUTS,
  CACHE_LINE_WORDS,
  FR_CONTENT_SLOT,
  FR_FLAGS,
  FR_INDEX,
  FR_LOCK,
  FR_MAPCOUNT,
  FR_MAPPING,
  FR_NODE,
  FR_REFCOUNT,
  FRAME_RECORD_BYTES,
  FRAME_RECORD_WORDS,
  PG,
  PT_PAGE_BYTES,
  PTE_DIRTY,
  PTE_ENTRY_WRITE,
  PTE_KIND_MASK,
  PTE_SOFT_DIRTY,
  PTE_SPECIAL,
  PTE_WRITE,
  PTE_YOUNG,
  RING_HEAD,
  RING_TAIL,
} from './layout.js';

describe('layouts', () => {
  it('frame record fields are distinct words inside the stride', () => {
    const fields = [FR_FLAGS, FR_REFCOUNT, FR_MAPCOUNT, FR_NODE, FR_MAPPING, FR_INDEX, FR_CONTENT_SLOT, FR_LOCK];
    expect(new Set(fields).size).toBe(fields.length);
    expect(Math.max(...fields)).toBeLessThan(FRAME_RECORD_WORDS);
    expect(FRAME_RECORD_BYTES).toBe(32);
  });

  it('page flags and PTE flags are distinct single bits', () => {
    const pg = Object.values(PG);
    expect(pg.reduce((a, b) => a | b, 0)).toBe(pg.reduce((a, b) => a + b, 0));
    const pte = [PTE_KIND_MASK, PTE_WRITE, PTE_DIRTY, PTE_YOUNG, PTE_SOFT_DIRTY, PTE_SPECIAL, PTE_ENTRY_WRITE];
    expect(pte.reduce((a, b) => a | b, 0)).toBe(pte.reduce((a, b) => a + b, 0));
  });

  it('ring head and tail sit on different cache lines', () => {
    expect(Math.floor(RING_HEAD / CACHE_LINE_WORDS)).not.toBe(Math.floor(RING_TAIL / CACHE_LINE_WORDS));
  });

  it('describeLayouts renders one Markdown table per layout', () => {
    const md = describeLayouts();
    for (const l of ALL_LAYOUTS) expect(md).toContain(`### ${l.name} (${l.sizeBytes} B)`);
    expect(md).toContain('| FR_REFCOUNT | 4 | 0-31 |');
    expect(md).toContain(`Page-table page (${PT_PAGE_BYTES} B)`);
    expect(md.split('\n').filter((l) => l === '|---|---|---|---|').length).toBe(ALL_LAYOUTS.length);
  });
});

describe('shared-memory discipline', () => {
  it('every Atomics call in the package carries a "why:" comment on its line or the line before', () => {
    const dir = new URL('.', import.meta.url);
    const missing: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const lines = readFileSync(new URL(file, dir), 'utf8').split('\n');
      let previous = '';
      lines.forEach((line, i) => {
        if (/Atomics\.\w+\(/.test(line) && !/why/.test(line) && !/why/.test(previous)) missing.push(`${file}:${i + 1}: ${line.trim()}`);
        if (line.trim() !== '') previous = line;
      });
    }
    expect(missing).toEqual([]);
  });
});
