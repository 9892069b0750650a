// One worker of the deterministic round barrier: it owns a list of event
// times, publishes its next one each round, consumes those before the
// horizon it gets back, and records every horizon it received.
import { workerData } from 'node:worker_threads';
import { RunControl } from '../dist/index.js';
import { report } from './report.mjs';

report(() => {
  const { handle, me, events, distances } = workerData;
  const rc = RunControl.attach(handle);
  const n = rc.parties;
  const left = [...events];
  const horizons = [];
  const row = new Float64Array(n);
  for (;;) {
    row.fill(Infinity);
    row[me] = left.length ? left[0] : Infinity;
    const h = rc.arriveRound(me, row, distances, () => undefined);
    if (h === null) return horizons;
    horizons.push(h);
    while (left.length && left[0] < h) left.shift();
  }
});
