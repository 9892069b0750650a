// One party of a barrier: for each generation contributes value(party, gen)
// and records the agreed minimum.
import { workerData } from 'node:worker_threads';
import { Barrier } from '../dist/index.js';
import { report } from './report.mjs';
import { valueOf } from './barrier-values.mjs';

report(() => {
  const { barrier, party, generations } = workerData;
  const bar = Barrier.attach(barrier);
  const mins = [];
  for (let g = 0; g < generations; g++) mins.push(bar.arriveAndReduceMin(valueOf(party, g)));
  return mins;
});
