import { describe, expect, it } from 'vitest';
import { runWorker } from '../test-workers/spawn.js';
import { Doorbell } from './doorbell.js';

describe('Doorbell', () => {
  it('waitIdle returns at once after a ring since the seen value, and times out otherwise', () => {
    const bell = new Doorbell();
    const seen = bell.value();
    expect(bell.waitIdle(seen, 1)).toBe('timed-out');
    bell.ring();
    expect(bell.waitIdle(seen, 1000)).toBe('not-equal');
    expect(bell.value()).toBe(seen + 1);
  });

  it('wakes a receiver sleeping in another worker', async () => {
    const bell = new Doorbell();
    const ready = new SharedArrayBuffer(4);
    const run = runWorker<string>('doorbell-wait.mjs', { bell: bell.handle(), seen: bell.value(), ready });
    const flag = new Int32Array(ready);
    while (Atomics.load(flag, 0) === 0) await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, 20));
    bell.ring();
    const outcome = await run;
    expect(['ok', 'not-equal']).toContain(outcome.result);
  });
});
