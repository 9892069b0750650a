import { describe, expect, it } from 'vitest';
import { DeadlockError, ProgressWatchdog, formatDeadlockReport } from './deadlock.js';

describe('ProgressWatchdog: age of the oldest transaction (node workers)', () => {
  it('checkOldest throws once the oldest open transaction reaches the threshold, naming the site, each transaction with its age, and the seed', () => {
    let state = 'IS_D';
    const w = new ProgressWatchdog(1000, 7, () => ['cache@gpu0 0x80 IS_D'], { site: 'gpu0' });
    w.begin(1, () => `load of 0x80 (cache ${state})`, 100);
    w.begin(2, 'recall of 0x100', 500);
    w.end(2, 600);
    w.checkOldest(1099);
    state = 'IM_AD';
    let error: unknown;
    try {
      w.checkOldest(1100);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeadlockError);
    const e = error as DeadlockError;
    expect(e.report.lastProgressPs).toBe(100);
    // `what` functions are called when the report is made: the state is the current one.
    expect(e.message).toBe('gpu0: no progress for 1000 ps with 1 transaction(s) outstanding at 1100 ps:\n  #1 load of 0x80 (cache IM_AD) since 100 ps (age 1000 ps)\ncontrollers:\n  cache@gpu0 0x80 IS_D (seed 7)');
  });

  it('checkOldest also throws when a transaction outlives maxEventsWithoutProgress events (a loop that takes no time)', () => {
    const w = new ProgressWatchdog(1_000_000, 1, () => [], { maxEventsWithoutProgress: 3 });
    w.noteEvent();
    w.begin(1, 'writeback of 0x40', 0);
    w.noteEvent();
    w.noteEvent();
    w.checkOldest(0);
    w.noteEvent();
    expect(() => w.checkOldest(0)).toThrow(/^no progress for 0 ps \(3 events\) with 1 transaction/);
  });

  it('nextCheckPs is the oldest deadline or one period from now, whichever is sooner, and undefined when idle', () => {
    const w = new ProgressWatchdog(1000, undefined, () => []);
    expect(w.nextCheckPs(0, 300)).toBeUndefined();
    w.begin(1, 'a', 50);
    w.begin(2, 'b', 60);
    expect(w.oldestSincePs()).toBe(50);
    expect(w.nextCheckPs(100, 300)).toBe(400);
    expect(w.nextCheckPs(900, 300)).toBe(1050);
    expect(w.nextCheckPs(2000, 300)).toBe(2000);
    w.end(1, 70);
    expect(w.oldestSincePs()).toBe(60);
    w.end(2, 80);
    expect(w.nextCheckPs(100, 300)).toBeUndefined();
  });

  it('the in-process report (no site, no event count) keeps its head', () => {
    const text = formatDeadlockReport({ reason: 'idle', nowPs: 10, lastProgressPs: 0, stuck: [{ id: 3, what: 'store by agent 1 of 0x0', sincePs: 4 }], controllers: ['cache@1 0x0 IM_AD'], seed: 2 });
    expect(text).toBe('deadlock: no events left with 1 transaction(s) outstanding at 10 ps:\n  #3 store by agent 1 of 0x0 since 4 ps (age 6 ps)\ncontrollers:\n  cache@1 0x0 IM_AD');
  });
});
