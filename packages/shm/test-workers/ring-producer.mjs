// Producer of the cross-worker ring test: writes `count` records whose length
// and bytes derive from their sequence number; publishes every `batch`
// records; waits for space when the ring is full.
import { workerData } from 'node:worker_threads';
import { Doorbell, RingBuffer } from '../dist/index.js';
import { report } from './report.mjs';
import { recordLength, fillRecord } from './ring-records.mjs';

report(() => {
  const { ring, bell, count, batch, maxLen } = workerData;
  const producer = RingBuffer.attach(ring).producer(Doorbell.attach(bell));
  let fullEvents = 0;
  for (let seq = 0; seq < count; seq++) {
    const len = recordLength(seq, maxLen);
    let off;
    while ((off = producer.tryReserveOffset(len)) < 0) {
      fullEvents++;
      producer.waitForSpace(50);
    }
    fillRecord(producer.data, off, len, seq);
    producer.commit();
    if ((seq + 1) % batch === 0) producer.publish();
  }
  producer.publish();
  return { fullEvents };
});
