import { describe, expect, it } from 'vitest';
import { RunAborted, RunControl } from './run-control.js';

describe('RunControl', () => {
  it('with one party, the barrier returns the party own row, alternating parity buffers', () => {
    const s = RunControl.create(1, 1);
    const first = s.arriveAndGather(0, [42], () => undefined);
    expect(Array.from(first)).toEqual([42]);
    const second = s.arriveAndGather(0, [7], () => undefined);
    expect(Array.from(second)).toEqual([7]);
    expect(Array.from(first)).toEqual([42]);
  });

  it('reports quiescence only when every worker is idle and nothing is in flight', () => {
    const s = RunControl.create(2, 2);
    s.addInFlight(3);
    expect(s.enterIdle()).toBe(false);
    expect(s.enterIdle()).toBe(false);
    s.leaveIdle();
    s.removeInFlight(3);
    expect(s.quiescent()).toBe(false);
    expect(s.enterIdle()).toBe(true);
  });

  it('makes a waiting party throw once the run is aborted', () => {
    const s = RunControl.create(2, 2);
    s.abort();
    expect(() => s.arriveAndGather(0, [1, 1], () => undefined)).toThrow(RunAborted);
  });

  it('sums work progress over workers', () => {
    const s = RunControl.create(3, 2);
    s.setWork(0, 5, 10);
    s.setWork(2, 1, 4);
    expect(s.work()).toEqual({ done: 6, total: 14 });
  });
});

describe('RunControl across worker threads', () => {
  it('every worker gathers every other worker row of the same round, round after round', async () => {
    const { runWorkers } = await import('../test-workers/spawn.js');
    const parties = 4;
    const rounds = 300;
    const rc = RunControl.create(parties, 2);
    const sums = await runWorkers<number[]>('run-control-gather.mjs', parties, (me) => ({ handle: rc.handle, me, rounds }));
    for (let r = 0; r < rounds; r++) {
      let expected = 0;
      for (let j = 0; j < parties; j++) for (let k = 0; k < parties; k++) expected += ((j * 7 + r * 13 + k * 3) % 17) + r * 1e6;
      for (let p = 0; p < parties; p++) expect(sums[p]![r]).toBe(expected);
    }
  });
});
