// Sleeps on a doorbell until it rings; reports the wait result.
import { workerData } from 'node:worker_threads';
import { Doorbell } from '../dist/index.js';
import { report } from './report.mjs';

report(() => {
  const { bell, seen, ready } = workerData;
  const doorbell = Doorbell.attach(bell);
  Atomics.store(new Int32Array(ready), 0, 1);
  return doorbell.waitIdle(seen, 10000);
});
