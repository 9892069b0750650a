import { describe, expect, it } from 'vitest';
import { EventQueue, type Ordered } from './event-queue.js';
import { Rng } from './rng.js';

describe('EventQueue', () => {
  it('pops in (time, tie, src, seq) order whatever the insertion order', () => {
    const rng = new Rng(7);
    const items: Ordered[] = [];
    for (let i = 0; i < 2000; i++) {
      items.push({ timePs: rng.int(0, 50), tie: rng.int(0, 3), src: rng.int(0, 4), seq: i });
    }
    const orders = [items, [...items].reverse()];
    const popped = orders.map((list) => {
      const q = new EventQueue<Ordered>();
      for (const it of list) q.push(it);
      const out: Ordered[] = [];
      for (let e = q.pop(); e; e = q.pop()) out.push(e);
      return out;
    });
    expect(popped[0]).toEqual(popped[1]);
    for (let i = 1; i < popped[0]!.length; i++) {
      const a = popped[0]![i - 1]!;
      const b = popped[0]![i]!;
      expect(a.timePs < b.timePs || (a.timePs === b.timePs && a.tie <= b.tie)).toBe(true);
    }
  });

  it('reports +Infinity as the next time when empty', () => {
    expect(new EventQueue().peekTime()).toBe(Number.POSITIVE_INFINITY);
  });
});
