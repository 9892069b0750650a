// Attaches a FrameTable and atomically increments one frame's refcount n times.
import { workerData } from 'node:worker_threads';
import { Barrier, FrameTable } from '../dist/index.js';
import { report } from './report.mjs';

report(() => {
  const { frames, barrier, pfn, n } = workerData;
  const table = FrameTable.attach(frames);
  Barrier.attach(barrier).wait();
  for (let i = 0; i < n; i++) table.refInc(pfn);
  for (let i = 0; i < n; i++) table.mapInc(pfn);
  for (let i = 0; i < n / 2; i++) table.mapDec(pfn);
  return null;
});
