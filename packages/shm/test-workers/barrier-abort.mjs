// Waits on a barrier that never completes; reports the error name when aborted.
import { workerData } from 'node:worker_threads';
import { Barrier } from '../dist/index.js';
import { report } from './report.mjs';

report(() => {
  const { barrier, ready } = workerData;
  const bar = Barrier.attach(barrier);
  const flag = new Int32Array(ready);
  Atomics.add(flag, 0, 1);
  try {
    bar.wait();
    return 'returned';
  } catch (e) {
    return e.name;
  }
});
