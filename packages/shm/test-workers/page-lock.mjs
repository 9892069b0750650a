// Same as lock-counter but through FrameTable.lockPage with a FreeModeLock;
// the counter lives in the frame's index field, updated non-atomically.
import { workerData } from 'node:worker_threads';
import { Barrier, FrameTable, FreeModeLock } from '../dist/index.js';
import { report } from './report.mjs';

report(() => {
  const { frames, barrier, pfn, n } = workerData;
  const lock = new FreeModeLock({ spins: 10 });
  const ft = FrameTable.attach(frames, { lock });
  Barrier.attach(barrier).wait();
  for (let i = 0; i < n; i++) {
    ft.lockPage(pfn);
    ft.setIndex(pfn, ft.index(pfn) + 1);
    ft.unlockPage(pfn);
  }
  return lock.stats;
});
