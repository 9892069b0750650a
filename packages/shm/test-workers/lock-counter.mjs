// Increments a shared counter non-atomically inside a FreeModeLock n times.
import { workerData } from 'node:worker_threads';
import { Barrier, FreeModeLock } from '../dist/index.js';
import { report } from './report.mjs';

report(() => {
  const { sab, barrier, n } = workerData;
  const words = new Int32Array(sab); // [0] lock word, [16] counter (own cache line)
  const lock = new FreeModeLock({ spins: 10 });
  Barrier.attach(barrier).wait();
  for (let i = 0; i < n; i++) {
    lock.lock(words, 0);
    const v = words[16]; // deliberately non-atomic read-modify-write
    for (let k = 0; k < (i & 7); k++) words[17] = k; // widen the window a little
    words[16] = v + 1;
    lock.unlock(words, 0);
  }
  return lock.stats;
});
