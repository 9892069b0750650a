// Writes, verifies and releases pages of its own frames many times, so two
// workers hammer the shared free list; any slot handed out twice corrupts data.
import { workerData } from 'node:worker_threads';
import { Barrier, ContentStore, FrameTable } from '../dist/index.js';
import { report } from './report.mjs';

report(() => {
  const { frames, store, barrier, pfns, rounds, worker } = workerData;
  const ft = FrameTable.attach(frames);
  const cs = ContentStore.attach(store, ft);
  Barrier.attach(barrier).wait();
  const src = new Uint8Array(cs.pageSize);
  const dst = new Uint8Array(cs.pageSize);
  let corrupt = 0;
  for (let r = 0; r < rounds; r++) {
    for (const pfn of pfns) {
      src.fill((worker * 101 + r * 13 + pfn) & 0xff);
      cs.write(pfn, 0, src);
    }
    for (const pfn of pfns) {
      cs.read(pfn, 0, dst);
      const want = (worker * 101 + r * 13 + pfn) & 0xff;
      if (dst[0] !== want || dst[cs.pageSize - 1] !== want) corrupt++;
      cs.release(pfn);
    }
  }
  return { corrupt };
});
