import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CdmsimError, type Rng } from '@cdmsim/engine';
import { describe, expect, it } from 'vitest';
import { ROOT_MEMCG } from '../memcg.js';
import { makeWorld } from './world-fixture.js';
import { MM_STRESS_TABLE } from './stress-ops.js';
import { withRuleBreak } from './stress-sabotages.js';
import { defineMmStressTable, renderMmStressTable, runMmStressAfterOp, runMmStressOp, type MmStressRow } from './stress-table.js';
import { WorldStressHost } from './world-stress-host.js';

/** An Rng stand-in that answers `int` and `chance` from scripts and records every call. */
function scriptedRng(ints: number[], chances: boolean[] = []): { rng: Rng; calls: string[] } {
  const calls: string[] = [];
  const rng = {
    int: (min: number, max: number) => {
      calls.push(`int ${min}..${max}`);
      const v = ints.shift();
      if (v === undefined) throw new CdmsimError(`unscripted int ${min}..${max}`);
      return v;
    },
    chance: (p: number) => {
      calls.push(`chance ${p}`);
      const v = chances.shift();
      if (v === undefined) throw new CdmsimError(`unscripted chance ${p}`);
      return v;
    },
  };
  return { rng: rng as unknown as Rng, calls };
}

function host(rng: Rng): WorldStressHost {
  const w = makeWorld();
  return new WorldStressHost(w, rng, 1, 4, [ROOT_MEMCG]);
}

function run(h: WorldStressHost): void {
  let finished = false;
  runMmStressOp(MM_STRESS_TABLE, h, () => (finished = true));
  expect(finished).toBe(true);
}

describe('the mm-stress operation table', () => {
  it('keeps the draw of the worker stress: 14 equally weighted slots in this order, unpin only as pin’s alternative', () => {
    const slots = MM_STRESS_TABLE.rows.map((r) => `${r.name}:${r.weight}`);
    expect(slots).toEqual(['spawn:1', 'mmap:1', 'write:1', 'load-or-write:1', 'migrate-to-device:1', 'migrate-to-ram:1', 'fork:1', 'munmap-or-exit:1', 'mprotect:1', 'madvise-dontneed:1', 'madvise-free:1', 'reclaim:1', 'memcg-move:1', 'pin:1', 'unpin:0']);
    expect(MM_STRESS_TABLE.totalWeight).toBe(14);
    expect(MM_STRESS_TABLE.afterOp).toEqual([]);
  });

  it('without a process any drawn row spawns: process pick (none), row, then spawn’s memcg and CPU', () => {
    const { rng, calls } = scriptedRng([13, 0, 1]);
    const h = host(rng);
    run(h);
    expect(h.current).toBe('spawn');
    expect(calls).toEqual(['int 0..13', 'int 0..0', 'int 0..1']);
    expect(h.areas.size).toBe(1);
  });

  it('a process without an area maps one whatever was drawn (here reclaim)', () => {
    const { rng, calls } = scriptedRng([0, 0, 0, 0, 11, 3]);
    const h = host(rng);
    run(h); // spawn
    run(h);
    expect(h.current).toBe('mmap');
    expect(calls.slice(3)).toEqual(['int 0..0', 'int 0..13', 'int 1..6']);
    expect([...h.areas.values()][0]).toHaveLength(1);
  });

  it('pin runs unpin instead, before its range is drawn, half the time when pins are held', () => {
    // spawn; mmap 2 pages; pin (area 0, vpn +0, 2 pages, short-term, read); pin → unpin (pin #0)
    const { rng, calls } = scriptedRng([0, 0, 0, 0, 1, 2, 0, 13, 0, 0, 2, 0, 13, 0], [false, false, true]);
    const h = host(rng);
    for (let i = 0; i < 3; i++) run(h);
    expect(h.current).toBe('pin-short');
    expect(h.pins).toHaveLength(1);
    const before = calls.length;
    run(h);
    expect(h.current).toBe('unpin');
    expect(calls.slice(before)).toEqual(['int 0..0', 'int 0..13', 'chance 0.5', 'int 0..0']);
    expect(h.pins).toHaveLength(0);
    expect(h.pinCounts).toEqual({ shortTerm: 1, longTerm: 0, pages: 2, released: 1 });
  });

  it('refuses a table with a duplicate row, an uncovered operation, a wrong fallback or an instead naming no row', () => {
    const rows = MM_STRESS_TABLE.rows;
    const spawn = rows[0]!;
    const base = { name: 't', withoutProcess: 'spawn', withoutArea: 'mmap' };
    expect(() => defineMmStressTable({ ...base, rows: [...rows, spawn] })).toThrow(/row spawn appears twice/);
    expect(() => defineMmStressTable({ ...base, rows: rows.filter((r) => r.name !== 'reclaim') })).toThrow(/no row runs reclaim/);
    expect(() => defineMmStressTable({ ...base, withoutArea: 'spawn', rows })).toThrow(/withoutArea must name a row acting on process/);
    const badInstead = rows.map((r): MmStressRow => (r.name === 'pin' ? { ...r, instead: { row: 'nope', when: () => true, description: '' } } : r));
    expect(() => defineMmStressTable({ ...base, rows: badInstead })).toThrow(/instead names no row \(nope\)/);
  });

  it('withRuleBreak returns a new table whose one after-operation step breaks the rule once, from the given operation on', () => {
    const broken = withRuleBreak(MM_STRESS_TABLE, 'corrupt-rss', 2);
    expect(MM_STRESS_TABLE.afterOp).toHaveLength(0);
    expect(broken.afterOp).toHaveLength(1);
    expect(broken.rows).toBe(MM_STRESS_TABLE.rows);
    const { rng } = scriptedRng([0, 0, 0]);
    const h = host(rng);
    run(h);
    const p = [...h.areas.keys()][0]!;
    h.opsStarted = 1;
    runMmStressAfterOp(broken, h);
    expect(p.rss.anon).toBe(0);
    h.opsStarted = 2;
    runMmStressAfterOp(broken, h);
    runMmStressAfterOp(broken, h);
    expect(p.rss.anon).toBe(1);
  });
});

describe('renderMmStressTable', () => {
  it('the README shows the table as it is', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    expect(readme).toContain(renderMmStressTable(MM_STRESS_TABLE));
  });
});
