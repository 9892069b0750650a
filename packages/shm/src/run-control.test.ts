import { describe, expect, it } from 'vitest';
import { RunAborted, RunControl } from './run-control.js';

describe('RunControl', () => {
  it('with one party, the horizon is its own next event plus its round trip, and the run ends with no event left', () => {
    const s = RunControl.create(1, 1);
    const roundTrip = Float64Array.of(500);
    s.publishRow(0, [42, 542, Infinity]);
    expect(s.arriveRound(0, roundTrip, () => undefined)).toBe(true);
    expect(s.horizonOf(0)).toBe(542);
    s.publishRow(0, [Infinity, Infinity, Infinity]);
    expect(s.arriveRound(0, roundTrip, () => undefined)).toBeNull();
    expect(s.finished).toBe(true);
    expect(s.rounds).toBe(1);
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
    s.publishRow(0, [1, Infinity, 1, 2, Infinity, Infinity]);
    expect(() => s.arriveRound(0, Float64Array.of(0, 1, 1, 0), () => undefined)).toThrow(RunAborted);
  });

  it('one worker hosting every node closes each round alone, with every node\'s horizon (the sequential engine)', () => {
    const s = RunControl.create(3, 1, [0, 0, 0]);
    expect([s.parties, s.nodes, s.workerOf(2)]).toEqual([1, 3, 0]);
    // T = [100, 130, 300], nothing declared: H_i = min_k T_k + D[k][i].
    expect(firstRoundOfThree(s, 130)).toEqual([140, 110, 120]);
  });

  it('takes horizons from the bounds rows give: a declared reaction of what is in flight widens its receivers\' windows', () => {
    const s = RunControl.create(3, 1, [0, 0, 0]);
    // Node 1's arrival at 130 declares a 60 ps reaction: through node 1 only 190 + D[1][i] = [200, 240, 200].
    expect(firstRoundOfThree(s, 190)).toEqual([150, 110, 120]);
    // Node 1 sits the next round out: its folded row still knows the arrival's send bound.
    s.publishRow(0, [inf, inf, inf, inf, inf, inf, inf, inf, inf]);
    s.publishRow(2, [inf, inf, 300, 320, 310, 350, inf, inf, inf]);
    expect(s.arriveRound(0, THREE_NODE_DISTANCES, () => undefined)).toBe(true);
    expect([0, 1, 2].map((i) => s.horizonOf(i))).toEqual([200, 240, 200]);
  });

  it('refuses a node-to-worker map that leaves a worker without a node', () => {
    expect(() => RunControl.create(3, 2, [0, 2, 2])).toThrow(/every worker 0\.\.2 hosting at least one/);
  });

  it('sums work progress over workers', () => {
    const s = RunControl.create(3, 2);
    s.setWork(0, 5, 10);
    s.setWork(2, 1, 4);
    expect(s.work()).toEqual({ done: 6, total: 14 });
  });
});

const inf = Infinity;
const THREE_NODE_DISTANCES = Float64Array.from([50, 10, 20, 10, 50, 10, 20, 10, 50]);

/**
 * Node 0 has an event at 100, node 2 one at 300 and an envelope in flight
 * to node 1 arriving at 130 that lets node 1 send at `node1SendsAt`; rows
 * are earliest events | bounds on arrivals (own events + D) | sends in
 * flight toward a neighbour. Returns the horizons of the round this closes.
 */
function firstRoundOfThree(s: RunControl, node1SendsAt: number): number[] {
  s.publishRow(0, [100, inf, inf, 150, 110, 120, inf, inf, inf]);
  s.publishRow(1, [inf, inf, inf, inf, inf, inf, inf, inf, inf]);
  s.publishRow(2, [inf, 130, 300, 320, 310, 350, inf, node1SendsAt, inf]);
  expect(s.arriveRound(0, THREE_NODE_DISTANCES, () => undefined)).toBe(true);
  return [0, 1, 2].map((i) => s.horizonOf(i));
}

describe('RunControl across worker threads', () => {
  it('with two workers hosting two nodes each, gives every node the reference horizons', async () => {
    const { expected, got, finished } = await roundsAcrossWorkers(40, undefined, [0, 0, 1, 1]);
    expect(got).toEqual(expected);
    expect(finished).toBe(true);
  });

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

/**
 * Runs 4 nodes on workers (`workerOf`, default one per node) through the
 * round barrier over a line of nodes, with the reference horizons computed
 * in one thread; returns every node's horizons, in node order.
 */
async function roundsAcrossWorkers(eventsPerWorker: number, jitterSeed?: number, workerOf: readonly number[] = [0, 1, 2, 3]): Promise<{ expected: number[][]; got: number[][]; rounds: number; finished: boolean }> {
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
  const rc = RunControl.create(parties, 2, workerOf);
  const nodesOf = (w: number): number[] => workerOf.flatMap((x, node) => (x === w ? [node] : []));
  const perWorker = await runWorkers<number[][]>('run-control-rounds.mjs', rc.parties, (me) => ({ handle: rc.handle, me, nodes: nodesOf(me), events: nodesOf(me).map((node) => events[node]), distances, ...(jitterSeed === undefined ? {} : { jitterSeed }) }));
  const got: number[][] = [];
  perWorker.forEach((hs, w) => nodesOf(w).forEach((node, j) => (got[node] = hs[j]!)));
  return { expected, got, rounds, finished: rc.finished };
}
