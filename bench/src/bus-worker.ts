/**
 * Worker side of the bus benchmark: a producer posting MemRequest envelopes
 * (64 B of data each) through @cdmsim/bus's Transport — protobuf batches in
 * a SharedArrayBuffer ring — and a consumer draining and decoding them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Transport } from '@cdmsim/bus';
import type { NodeId } from '@cdmsim/engine';
import type { EnvelopeData } from '@cdmsim/proto';
import { RingBuffer, type RingHandle } from '@cdmsim/shm';

/** What each bus-benchmark worker receives. */
export interface BusWorkerData {
  readonly role: 'producer' | 'consumer';
  readonly ring: RingHandle;
  /** [0] ready count, [1] go flag, [2] consumer doorbell. */
  readonly control: SharedArrayBuffer;
  readonly envelopesPerRound: number;
  readonly rounds: number;
  /** Envelopes posted between two flushes (1 = unbatched). */
  readonly flushEvery: number;
}

/** What the consumer reports. */
export interface BusWorkerResult {
  readonly roundMs: number[];
  readonly outOfOrder: number;
}

const DATA = new Uint8Array(64).fill(0xab);

function envelope(seq: number): EnvelopeData {
  return {
    src: 0,
    dst: 1,
    hopSrc: 0,
    sendTimePs: seq * 1000,
    arriveTimePs: seq * 1000 + 100_000,
    seq,
    txn: seq,
    tie: (seq * 2654435761) >>> 0,
    memReq: { op: 1, paddr: 4096 * 1000 + (seq % 64) * 64, size: 64, data: DATA },
  };
}

function main(d: BusWorkerData): void {
  const words = new Int32Array(d.control);
  const ring = RingBuffer.attach(d.ring);
  const bell = { ring: () => { Atomics.add(words, 2, 1); Atomics.notify(words, 2); } };
  Atomics.add(words, 0, 1);
  // why: wait for the main thread's go so both sides start together.
  while (Atomics.load(words, 1) === 0) Atomics.wait(words, 1, 0, 50);
  if (d.role === 'producer') {
    const producer = ring.producer();
    const transport = new Transport(
      [{ to: 1 as NodeId, ring: { maxRecordBytes: ring.maxRecordBytes, tryWrite: (b) => producer.tryWrite(b), publish: () => void producer.publish() }, doorbell: bell }],
      [],
    );
    let seq = 0;
    for (let r = 0; r < d.rounds; r++) {
      for (let i = 0; i < d.envelopesPerRound; i++) {
        transport.post(1 as NodeId, envelope(++seq));
        if ((i + 1) % d.flushEvery === 0) while (!transport.flush());
      }
      while (!transport.flush());
    }
    parentPort!.postMessage(null);
    return;
  }
  const transport = new Transport([], [ring.consumer()]);
  const roundMs: number[] = [];
  let expected = 1;
  let outOfOrder = 0;
  let got = 0; // cumulative: one drain may already hold envelopes of the next round
  for (let r = 0; r < d.rounds; r++) {
    const start = performance.now();
    while (got < (r + 1) * d.envelopesPerRound) {
      const seen = Atomics.load(words, 2);
      const n = transport.drain((env) => {
        if (env.seq !== expected) outOfOrder++;
        expected = env.seq + 1;
      });
      got += n;
      if (n === 0) Atomics.wait(words, 2, seen, 10);
    }
    roundMs.push(performance.now() - start);
  }
  parentPort!.postMessage({ roundMs, outOfOrder } satisfies BusWorkerResult);
}

main(workerData as BusWorkerData);
