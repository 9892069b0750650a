/**
 * The bus between two workers: protobuf envelopes through @cdmsim/bus's
 * batching Transport over a @cdmsim/shm ring, against the raw SAB ring of
 * fixed 64-byte records measured in the same run. Target: batched bus ≥ 1/10
 * of the raw ring's records/s.
 */
import { Worker } from 'node:worker_threads';
import { RingBuffer } from '@cdmsim/shm';
import type { Benchmark } from './harness.js';
import type { BusWorkerData, BusWorkerResult } from './bus-worker.js';
import { measureRawRing } from './bench-ring.js';

const ENVELOPES_PER_ROUND = 400_000;
const ROUNDS = 5;

async function measureBus(flushEvery: number, envelopesPerRound: number): Promise<number> {
  const control = new SharedArrayBuffer(16);
  const ring = new RingBuffer({ capacityBytes: 1 << 20 }).handle();
  const spawn = (role: BusWorkerData['role']) => {
    const data: BusWorkerData = { role, ring, control, envelopesPerRound, rounds: ROUNDS, flushEvery };
    const worker = new Worker(new URL('./bus-worker.js', import.meta.url), { workerData: data });
    const done = new Promise<BusWorkerResult | null>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    return { worker, done };
  };
  const producer = spawn('producer');
  const consumer = spawn('consumer');
  const words = new Int32Array(control);
  while (Atomics.load(words, 0) < 2) await new Promise((r) => setTimeout(r, 5));
  // why: release both workers together.
  Atomics.store(words, 1, 1);
  Atomics.notify(words, 1);
  try {
    const result = await consumer.done;
    if (!result) throw new Error('bus consumer reported nothing');
    if (result.outOfOrder) throw new Error(`bus consumer saw ${result.outOfOrder} envelopes out of order`);
    return envelopesPerRound / (Math.min(...result.roundMs) / 1000);
  } finally {
    await Promise.all([producer.worker.terminate(), consumer.worker.terminate()]);
  }
}

function busBenchmark(name: string, flushEvery: number, envelopesPerRound: number): Benchmark {
  return {
    name,
    description: `protobuf MemRequest envelopes (64 B data) between two workers through Transport, flush every ${flushEvery}`,
    baselineName: 'raw SAB ring (fixed 64 B records, typed arrays + Atomics)',
    async run() {
      const baseline = await measureRawRing();
      const subject = await measureBus(flushEvery, envelopesPerRound);
      return {
        subject: { figure: subject, unit: 'records/s' },
        baseline: { figure: baseline, unit: 'records/s' },
        details: { flushEvery, envelopesPerRound, rounds: ROUNDS },
      };
    },
  };
}

export const benchmarks: Benchmark[] = [
  busBenchmark('bus-batched', 256, ENVELOPES_PER_ROUND),
  busBenchmark('bus-unbatched', 1, ENVELOPES_PER_ROUND / 8),
];
