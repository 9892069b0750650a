import { describe, expect, it } from 'vitest';
import { runRandomTester } from './random-tester.js';
import { CACHE_TABLE } from './cache-table.js';
import { withoutAction } from './table.js';

const SHAPES = [
  { agents: 4, lines: 2, cacheWays: 1 },
  { agents: 5, lines: 3, cacheWays: 2 },
  { agents: 6, lines: 4, cacheWays: 2 },
  { agents: 6, lines: 2, cacheWays: 1 },
];

describe('random tester', () => {
  it.each(SHAPES)('passes 20 seeds × 3000 ops with $agents agents, $lines lines, $cacheWays way(s)', (shape) => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = runRandomTester({ seed, ops: 3000, ...shape });
      expect(r.error?.message).toBeUndefined();
      expect(r.loads + r.stores).toBe(3000);
      expect(r.messagesByType.PutM ?? 0).toBeGreaterThan(0);
      expect(r.flushes).toBeGreaterThan(0);
    }
  });

  it('is deterministic: the same options give the same report', () => {
    const o = { seed: 77, agents: 5, lines: 3, ops: 1000 };
    expect(runRandomTester(o)).toEqual(runRandomTester(o));
  });

  it('catches a protocol that skips an invalidation ack (deadlock, with stuck transactions, seed and replay command)', () => {
    const r = runRandomTester({ seed: 3, agents: 5, lines: 3, ops: 2000, cacheTable: withoutAction(CACHE_TABLE, 'S', 'Inv', 'sendInvAck') });
    expect(r.ok).toBe(false);
    expect(r.error?.name).toBe('DeadlockError');
    expect(r.error?.message).toMatch(/outstanding/);
    expect(r.error?.message).toContain('seed 3');
    expect(r.error?.message).toContain('npx cdmsim stress coherence --seed 3 --agents 5 --lines 3 --ops 2000');
  });

  it('catches a protocol that forgets to copy the data on a read miss (data-value violation)', () => {
    const r = runRandomTester({ seed: 3, agents: 5, lines: 3, ops: 2000, cacheTable: withoutAction(CACHE_TABLE, 'IS_D', 'DataAllAcks', 'copyData') });
    expect(r.ok).toBe(false);
    expect(r.error?.message).toMatch(/data-value violated/);
  });

  it('catches a protocol where an owner keeps write permission after answering a read (SWMR violation)', () => {
    const broken = { ...CACHE_TABLE, transitions: CACHE_TABLE.transitions.map((t) => (t.event === 'FwdGetS' && t.from.includes('M') ? { ...t, from: ['E' as const] } : t)).concat([{ from: ['M'], event: 'FwdGetS', actions: ['sendDataToRequester'], description: 'BROKEN: stays M' }]) };
    const r = runRandomTester({ seed: 3, agents: 5, lines: 3, ops: 2000, cacheTable: broken });
    expect(r.ok).toBe(false);
    expect(r.error?.message).toMatch(/SWMR violated/);
  });

  it('the deadlock detector reports stuck transactions on a network that drops a message', () => {
    let seen = 0;
    const r = runRandomTester({ seed: 5, agents: 4, lines: 2, ops: 500, drop: (m) => m.type === 'Data' && ++seen === 10 });
    expect(r.ok).toBe(false);
    expect(r.error?.name).toBe('DeadlockError');
    expect(r.error?.message).toMatch(/#\d+ (cpu|gpu)\d: (load|store) of 0x[0-9a-f]+ \(cache [A-Z_]+/);
    expect(r.error?.message).toMatch(/cache@(cpu|gpu)\d 0x[0-9a-f]+ (IS_D|IM_AD|SM_AD)/);
  });
});
