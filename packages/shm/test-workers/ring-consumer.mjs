// Consumer of the cross-worker ring test: drains until `count` records
// arrived, checking order, length and content of each.
import { workerData } from 'node:worker_threads';
import { Doorbell, RingBuffer } from '../dist/index.js';
import { report } from './report.mjs';
import { recordLength, checkRecord } from './ring-records.mjs';

report(() => {
  const { ring, bell, count, maxLen, slowEvery } = workerData;
  const consumer = RingBuffer.attach(ring).consumer();
  const doorbell = Doorbell.attach(bell);
  let next = 0;
  let bad = -1;
  let drains = 0;
  let sleeps = 0;
  while (next < count) {
    const seen = doorbell.value();
    const n = consumer.drainRaw((data, off, len) => {
      if (bad < 0 && (len !== recordLength(next, maxLen) || !checkRecord(data, off, len, next))) bad = next;
      next++;
    });
    drains++;
    if (n === 0) {
      sleeps++;
      doorbell.waitIdle(seen, 50);
    } else if (slowEvery > 0 && drains % slowEvery === 0) {
      // let the producer run into a full ring now and then
      const until = performance.now() + 1;
      while (performance.now() < until);
    }
  }
  return { received: next, firstBad: bad, drains, sleeps };
});
