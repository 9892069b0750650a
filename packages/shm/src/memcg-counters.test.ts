import { describe, expect, it } from 'vitest';
import { Barrier } from './barrier.js';
import { MemcgCounters } from './memcg-counters.js';
import { runWorkers } from '../test-workers/spawn.js';

describe('MemcgCounters (page_counter in shared memory)', () => {
  it('page_counter_try_charge: a charge over any level of the hierarchy is refused, counted in failcnt and backed out of the lower levels', () => {
    const c = MemcgCounters.create(8);
    c.declare(1, Infinity);
    c.declare(2, 3);
    c.declare(3, Infinity);
    const path = [3, 2, 1]; // leaf 3 under limited 2 under root 1
    expect([0, 1, 2].map(() => c.tryChargeUsage(path))).toEqual([-1, -1, -1]);
    expect(c.tryChargeUsage(path)).toBe(1); // level 2 is full
    expect(c.usage(3)).toBe(3);
    expect(c.usage(2)).toBe(3);
    expect(c.usage(1)).toBe(3);
    expect(c.failcnt(2)).toBe(1);
    c.addUsage(path, -1);
    expect(c.tryChargeUsage(path)).toBe(-1);
  });

  it('declaring the same memcg twice keeps the first limit and reports a different one', () => {
    const c = MemcgCounters.create(4);
    expect(c.declare(2, 10)).toBe(true);
    expect(c.declare(2, 10)).toBe(true);
    expect(c.declare(2, 11)).toBe(false);
    expect(c.limit(2)).toBe(10);
    expect(() => c.declare(4, 1)).toThrow(/outside 1\.\.3/);
  });

  it('shmem charges count as cache too (NR_SHMEM pages are MEMCG_CACHE pages)', () => {
    const c = MemcgCounters.create(4);
    c.declare(1, Infinity);
    c.addLocal(1, 'shmem', 3, 2);
    expect([c.local(1, 'shmem'), c.local(1, 'file'), c.local(1, 'anon'), c.localByType(1, 3)]).toEqual([2, 2, 0, 2]);
  });

  it('two workers charging one limited memcg at once: exactly the limit is charged, no update lost', async () => {
    const c = MemcgCounters.create(4);
    c.declare(1, Infinity);
    c.declare(2, 1500);
    const barrier = new Barrier(2);
    const charged = await runWorkers<number>('memcg-charge.mjs', 2, () => ({ counters: c.handle(), barrier: barrier.handle(), path: [2, 1], n: 1000 }));
    expect(charged[0]! + charged[1]!).toBe(1500);
    expect(c.usage(2)).toBe(1500);
    expect(c.usage(1)).toBe(1500);
    expect(c.local(2, 'anon')).toBe(1500);
    expect(c.failcnt(2)).toBe(500);
  });
});
