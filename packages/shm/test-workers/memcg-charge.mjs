// Charges one page at a time to a shared memcg path until n attempts were made; counts the charges that succeeded.
import { workerData } from 'node:worker_threads';
import { Barrier, MemcgCounters } from '../dist/index.js';
import { report } from './report.mjs';

report(() => {
  const { counters, barrier, path, n } = workerData;
  const c = MemcgCounters.attach(counters);
  Barrier.attach(barrier).wait();
  let charged = 0;
  for (let i = 0; i < n; i++) {
    if (c.tryChargeUsage(path) < 0) {
      charged++;
      c.addLocal(path[0], 'anon', 0, 1);
    }
  }
  return charged;
});
