// One worker of the deterministic round barrier: it owns a list of event
// times, publishes its next one each round, consumes those before the
// horizon it gets back, and records every horizon it received. With
// `jitterSeed`, it sleeps a random few hundred microseconds at the barrier's
// race windows (after arriving; while closing a round) to shake the timing.
import { workerData } from 'node:worker_threads';
import { RunControl } from '../dist/index.js';
import { report } from './report.mjs';

report(() => {
  const { handle, me, events, distances, jitterSeed } = workerData;
  let state = (jitterSeed ?? 0) * 7919 + me * 104729 + 1;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const perturb = jitterSeed === undefined ? undefined : () => {
    if (random() < 0.5) Atomics.wait(cell, 0, 0, random() * 0.4);
  };
  const rc = RunControl.attach(handle);
  const n = rc.parties;
  const left = [...events];
  const horizons = [];
  const row = new Float64Array(n);
  for (;;) {
    row.fill(Infinity);
    row[me] = left.length ? left[0] : Infinity;
    const h = rc.arriveRound(me, row, distances, () => undefined, perturb);
    if (h === null) return horizons;
    horizons.push(h);
    while (left.length && left[0] < h) left.shift();
  }
});
