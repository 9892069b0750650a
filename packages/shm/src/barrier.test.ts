import { describe, expect, it } from 'vitest';
import { runWorker, runWorkers } from '../test-workers/spawn.js';
import { valueOf } from '../test-workers/barrier-values.mjs';
import { Barrier } from './barrier.js';

describe('Barrier', () => {
  it('one party: reduces to its own value and counts generations', () => {
    const b = new Barrier(1);
    expect(b.arriveAndReduceMin(5)).toBe(5);
    expect(b.arriveAndReduceMin(2 ** 53)).toBe(2 ** 53);
    expect(b.arriveAndReduceMin(0.5)).toBe(0.5);
    expect(b.wait()).toBe(3);
    expect(() => b.arriveAndReduceMin(-1)).toThrow(/non-negative/);
  });

  it('N workers x many generations: every party gets the true minimum every time', async () => {
    const parties = 4;
    const generations = 300;
    const barrier = new Barrier(parties);
    const results = await runWorkers<number[]>('barrier-min.mjs', parties, (party) => ({ barrier: barrier.handle(), party, generations }));
    for (let g = 0; g < generations; g++) {
      let min = Infinity;
      for (let p = 0; p < parties; p++) min = Math.min(min, valueOf(p, g));
      for (let p = 0; p < parties; p++) expect(results[p]![g]).toBe(min);
    }
  });

  it('abort wakes every waiter with BarrierAborted and later waits throw too', async () => {
    const waiters = 3;
    const barrier = new Barrier(waiters + 1); // the main thread never arrives
    const ready = new SharedArrayBuffer(4);
    const runs = Array.from({ length: waiters }, () => runWorker<string>('barrier-abort.mjs', { barrier: barrier.handle(), ready }));
    const flag = new Int32Array(ready);
    while (Atomics.load(flag, 0) < waiters) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20)); // let them fall asleep
    barrier.abort();
    const outcomes = await Promise.all(runs);
    expect(outcomes.map((o) => o.result)).toEqual(Array(waiters).fill('BarrierAborted'));
    expect(barrier.aborted()).toBe(true);
    expect(() => barrier.wait()).toThrow(/aborted/);
  });
});
