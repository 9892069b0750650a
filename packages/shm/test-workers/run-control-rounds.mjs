// One worker of the deterministic round barrier, hosting one or more nodes:
// each node owns a list of event times, publishes its next one each round,
// consumes those before its horizon when its worker is released, and records
// every horizon it ran to. With `jitterSeed`, the worker sleeps a random few
// hundred microseconds at the barrier's race windows (after arriving; while
// closing a round) to shake the timing.
import { workerData } from 'node:worker_threads';
import { RunControl } from '../dist/index.js';
import { report } from './report.mjs';

report(() => {
  const { handle, me, nodes, events, distances, jitterSeed } = workerData;
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
  const n = rc.nodes;
  const left = events.map((e) => [...e]);
  const horizons = nodes.map(() => []);
  // A row: the node's next event, its bounds on arrivals at each node (event + distance), nothing in flight.
  const row = new Float64Array(3 * n);
  for (;;) {
    nodes.forEach((node, j) => {
      row.fill(Infinity);
      row[node] = left[j].length ? left[j][0] : Infinity;
      for (let i = 0; i < n; i++) row[n + i] = row[node] + distances[node * n + i];
      rc.publishRow(node, row);
    });
    if (rc.arriveRound(me, distances, () => undefined, perturb) === null) return horizons;
    nodes.forEach((node, j) => {
      const h = rc.horizonOf(node);
      if (left[j].length && left[j][0] < h) {
        horizons[j].push(h);
        while (left[j].length && left[j][0] < h) left[j].shift();
      }
    });
  }
});
