import { describe, expect, it } from 'vitest';
import { RunAborted, SyncBlock } from './sync-block.js';

describe('SyncBlock', () => {
  it('with one party, the barrier returns the party own row, alternating parity buffers', () => {
    const s = SyncBlock.create(1, 1);
    const first = s.arriveAndGather(0, [42], () => undefined);
    expect(Array.from(first)).toEqual([42]);
    const second = s.arriveAndGather(0, [7], () => undefined);
    expect(Array.from(second)).toEqual([7]);
    expect(Array.from(first)).toEqual([42]);
  });

  it('reports quiescence only when every worker is idle and nothing is in flight', () => {
    const s = SyncBlock.create(2, 2);
    s.addInFlight(3);
    expect(s.enterIdle()).toBe(false);
    expect(s.enterIdle()).toBe(false);
    s.leaveIdle();
    s.removeInFlight(3);
    expect(s.quiescent()).toBe(false);
    expect(s.enterIdle()).toBe(true);
  });

  it('makes a waiting party throw once the run is aborted', () => {
    const s = SyncBlock.create(2, 2);
    s.abort();
    expect(() => s.arriveAndGather(0, [1, 1], () => undefined)).toThrow(RunAborted);
  });

  it('sums work progress over workers', () => {
    const s = SyncBlock.create(3, 2);
    s.setWork(0, 5, 10);
    s.setWork(2, 1, 4);
    expect(s.work()).toEqual({ done: 6, total: 14 });
  });
});
