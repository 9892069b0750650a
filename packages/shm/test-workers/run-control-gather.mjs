// One worker of a run-control round barrier: each round publishes a row
// whose entries are a function of (worker, round, column) and records the
// sum of the gathered matrix, which every worker must agree on.
import { workerData } from 'node:worker_threads';
import { RunControl } from '../dist/index.js';
import { report } from './report.mjs';

report(() => {
  const { handle, me, rounds } = workerData;
  const rc = RunControl.attach(handle);
  const n = rc.parties;
  const sums = [];
  const row = new Float64Array(n);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < n; k++) row[k] = ((me * 7 + r * 13 + k * 3) % 17) + r * 1e6;
    const m = rc.arriveAndGather(me, row, () => undefined);
    let sum = 0;
    for (let i = 0; i < n * n; i++) sum += m[i];
    sums.push(sum);
  }
  return sums;
});
