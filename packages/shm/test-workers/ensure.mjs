// Races another worker: materialises the same frame chunks and page-table
// levels in the same order; reports which chunk/PTE it ended with.
import { workerData } from 'node:worker_threads';
import { Barrier, FrameTable, PageTables } from '../dist/index.js';
import { report } from './report.mjs';

report(() => {
  const { frames, tables, barrier, root, pfns, vpns } = workerData;
  const ft = FrameTable.attach(frames);
  const pt = PageTables.attach(tables);
  const bar = Barrier.attach(barrier);
  const ptes = [];
  for (let i = 0; i < pfns.length; i++) {
    bar.wait(); // line both workers up for every round so they really race
    ft.refInc(pfns[i]);
    ptes.push(pt.ensure(root, vpns[i]));
  }
  return { ptes };
});
