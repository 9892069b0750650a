import { describe, expect, it } from 'vitest';
import { RunAborted, RunControl } from './run-control.js';

describe('RunControl', () => {
  it('with one party, the horizon is its own next event plus its round trip, and the run ends with no event left', () => {
    const s = RunControl.create(1, 1);
    const roundTrip = Float64Array.of(500);
    expect(s.arriveRound(0, [42], roundTrip, () => undefined)).toBe(542);
    expect(s.arriveRound(0, [Infinity], roundTrip, () => undefined)).toBeNull();
    expect(s.finished).toBe(true);
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
    expect(() => s.arriveRound(0, [1, 1], Float64Array.of(0, 1, 1, 0), () => undefined)).toThrow(RunAborted);
  });

  it('sums work progress over workers', () => {
    const s = RunControl.create(3, 2);
    s.setWork(0, 5, 10);
    s.setWork(2, 1, 4);
    expect(s.work()).toEqual({ done: 6, total: 14 });
  });
});

describe('RunControl across worker threads', () => {
  it('gives every worker the horizon min_k(T_k + D[k][i]) and wakes only workers with an event before it', async () => {
    const { expected, rounds, got, finished } = await roundsAcrossWorkers(40);
    // A worker returns only from the rounds it is active in, with exactly the reference horizons.
    expect(got).toEqual(expected);
    // And it is asleep in the others: some worker sat out at least one round.
    expect(expected.some((h) => h.length < rounds)).toBe(true);
    expect(finished).toBe(true);
  });

  it('still gives exactly the reference horizons when workers are delayed in the race windows (arriving, closing a round)', async () => {
    // A worker that sits out a round must not mistake its flag for the next
    // round, set before the generation is bumped, for a go: it would run
    // twice and its second arrival would corrupt the count.
    for (const jitterSeed of [1, 2, 3]) {
      const { expected, got, finished } = await roundsAcrossWorkers(60, jitterSeed);
      expect(got, `jitter seed ${jitterSeed}`).toEqual(expected);
      expect(finished).toBe(true);
    }
  });
});

/** Runs 4 workers through the round barrier over a line of nodes, with the reference horizons computed in one thread. */
async function roundsAcrossWorkers(eventsPerWorker: number, jitterSeed?: number): Promise<{ expected: number[][]; got: number[][]; rounds: number; finished: boolean }> {
  const { runWorkers } = await import('../test-workers/spawn.js');
  const parties = 4;
  // A line of nodes 0 - 1 - 2 - 3, 100 ps per hop; the diagonal is the round trip to a neighbour.
  const distances = new Float64Array(parties * parties);
  for (let k = 0; k < parties; k++) for (let i = 0; i < parties; i++) distances[k * parties + i] = k === i ? 200 : 100 * Math.abs(k - i);
  const events = Array.from({ length: parties }, (_, w) => Array.from({ length: eventsPerWorker }, (_, e) => 37 * e * (w + 1) + 11 * w).sort((a, b) => a - b));
  // Reference: the same rounds computed in one thread.
  const left = events.map((e) => [...e]);
  const expected: number[][] = Array.from({ length: parties }, () => []);
  let rounds = 0;
  for (;; rounds++) {
    const t = left.map((e) => e[0] ?? Infinity);
    if (t.every((x) => x === Infinity)) break;
    for (let i = 0; i < parties; i++) {
      let h = Infinity;
      for (let k = 0; k < parties; k++) if (t[k] !== Infinity) h = Math.min(h, t[k]! + distances[k * parties + i]!);
      if (t[i]! < h) {
        expected[i]!.push(h);
        while (left[i]!.length && left[i]![0]! < h) left[i]!.shift();
      }
    }
  }
  const rc = RunControl.create(parties, 2);
  const got = await runWorkers<number[]>('run-control-rounds.mjs', parties, (me) => ({ handle: rc.handle, me, events: events[me], distances, ...(jitterSeed === undefined ? {} : { jitterSeed }) }));
  return { expected, got, rounds, finished: rc.finished };
}
