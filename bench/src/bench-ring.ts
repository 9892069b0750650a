/**
 * Ring-buffer benchmarks: 64-byte records between two real worker threads.
 * Baseline of every benchmark: a minimal fixed-record SPSC ring written
 * directly with typed arrays + Atomics, tail published every 256 records,
 * each record copied word by word from a 64 B source (the same payload work
 * as the subject's tryWrite) (`ring-worker.ts`, raw roles). The
 * details also carry one postMessage per record for scale.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Doorbell, RingBuffer } from '@cdmsim/shm';
import type { Benchmark, Measurement } from './harness.js';
import { RAW_HEADER_BYTES, RAW_SLOTS, type RingWorkerData, type RingWorkerResult } from './ring-worker.js';

const RECORD_BYTES = 64;
const RECORDS_PER_ROUND = 2_000_000;
const ROUNDS = 5;
const PM_RECORDS_PER_ROUND = 100_000;
const PM_ROUNDS = 3;
const UNIT = 'records/s';

type Roles = Pick<RingWorkerData, 'role'> & Partial<RingWorkerData>;

function startWorker(data: RingWorkerData, transfer: readonly MessagePort[] = []): { worker: Worker; done: Promise<RingWorkerResult | null> } {
  const worker = new Worker(new URL('./ring-worker.js', import.meta.url), { workerData: data, transferList: [...transfer] });
  const done = new Promise<RingWorkerResult | null>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`ring-worker (${data.role}) exited with code ${code} before reporting`)));
  });
  return { worker, done };
}

/** Runs a producer and a consumer worker; returns the best round's rate in records/s. */
async function runPair(producer: Roles, consumer: Roles, recordsPerRound: number, rounds: number, transfer: [MessagePort[], MessagePort[]] = [[], []]): Promise<number> {
  const control = new SharedArrayBuffer(8);
  const common = { control, recordsPerRound, rounds };
  const p = startWorker({ ...common, ...producer } as RingWorkerData, transfer[0]);
  const c = startWorker({ ...common, ...consumer } as RingWorkerData, transfer[1]);
  const words = new Int32Array(control);
  // why: poll the ready count; both workers bump it once.
  while (Atomics.load(words, 0) < 2) await new Promise((r) => setTimeout(r, 5));
  // why: release both workers at once.
  Atomics.store(words, 1, 1);
  // why: wake workers sleeping on the go word.
  Atomics.notify(words, 1);
  try {
    const result = await c.done;
    if (!result) throw new Error('consumer reported nothing');
    if (result.bad !== 0) throw new Error(`consumer saw ${result.bad} records out of order`);
    return recordsPerRound / (Math.min(...result.roundMs) / 1000);
  } finally {
    await Promise.all([p.worker.terminate(), c.worker.terminate()]);
  }
}

/** Tail stores per raw-ring batch: the hand-written ring gets the same batching as the batched subject. */
const RAW_PUBLISH_EVERY = 256;

/** (a) the minimal raw SAB ring (records copied word by word from a source record, tail published every 256), records/s. */
export function measureRawRing(): Promise<number> {
  const rawRing = new SharedArrayBuffer(RAW_HEADER_BYTES + RAW_SLOTS * RECORD_BYTES);
  return runPair({ role: 'raw-producer', rawRing, publishEvery: RAW_PUBLISH_EVERY }, { role: 'raw-consumer', rawRing }, RECORDS_PER_ROUND, ROUNDS);
}

/** (b)/(c) @cdmsim/shm RingBuffer of 1 MiB, publishing every `publishEvery` records (each publish rings the doorbell). */
function measureShm(publishEvery: number): Promise<number> {
  const ring = new RingBuffer({ capacityBytes: 1024 * 1024 }).handle();
  const bell = new Doorbell().handle();
  return runPair({ role: 'shm-producer', ring, bell, publishEvery }, { role: 'shm-consumer', ring, bell }, RECORDS_PER_ROUND, ROUNDS);
}

/** One postMessage per record over a MessageChannel between the two workers. */
function measurePostMessage(): Promise<number> {
  const { port1, port2 } = new MessageChannel();
  return runPair({ role: 'pm-producer', port: port1 }, { role: 'pm-consumer', port: port2 }, PM_RECORDS_PER_ROUND, PM_ROUNDS, [[port1], [port2]]);
}

function rate(figure: number): Measurement {
  return { figure, unit: UNIT };
}

function shmBenchmark(name: string, publishEvery: number, description: string): Benchmark {
  return {
    name,
    description,
    baselineName: 'raw SAB ring (fixed 64 B records, typed arrays + Atomics)',
    async run() {
      const baseline = await measureRawRing();
      const subject = await measureShm(publishEvery);
      const postMessage = await measurePostMessage();
      return {
        subject: rate(subject),
        baseline: rate(baseline),
        details: {
          recordBytes: RECORD_BYTES,
          publishEvery,
          rawPublishEvery: RAW_PUBLISH_EVERY,
          payload: '64 B record copied from a reused source array (subject: tryWrite; raw: word copy)',
          ringBytes: 1024 * 1024,
          recordsPerRound: RECORDS_PER_ROUND,
          rounds: ROUNDS,
          postMessagePerRecord: Math.round(postMessage),
          postMessageRecordsPerRound: PM_RECORDS_PER_ROUND,
        },
      };
    },
  };
}

export const benchmarks: Benchmark[] = [
  shmBenchmark('ring-batched', 256, '@cdmsim/shm RingBuffer, 64 B records via tryWrite, one publish + doorbell per 256 records, drained with drainRaw'),
  shmBenchmark('ring-unbatched', 1, '@cdmsim/shm RingBuffer, 64 B records via tryWrite, publish + doorbell after every record'),
];
