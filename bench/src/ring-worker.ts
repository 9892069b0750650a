/**
 * Worker side of bench-ring: one producer or consumer of a 64-byte-record
 * stream over (a) a minimal raw SAB ring, (b)/(c) `@cdmsim/shm`'s RingBuffer,
 * or (d) postMessage. Both workers start together on a shared "go" word; the
 * consumer timestamps every `recordsPerRound` records and posts the round
 * times back.
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Doorbell, RingBuffer } from '@cdmsim/shm';

/** Roles a ring-worker can play. */
export type RingWorkerRole = 'raw-producer' | 'raw-consumer' | 'shm-producer' | 'shm-consumer' | 'pm-producer' | 'pm-consumer';

/** workerData of a ring-worker. */
export interface RingWorkerData {
  readonly role: RingWorkerRole;
  /** Int32 words: [0] workers ready, [1] go flag. */
  readonly control: SharedArrayBuffer;
  readonly recordsPerRound: number;
  readonly rounds: number;
  /** raw roles: the raw ring SAB. */
  readonly rawRing?: SharedArrayBuffer;
  /** shm roles. */
  readonly ring?: ReturnType<RingBuffer['handle']>;
  readonly bell?: ReturnType<Doorbell['handle']>;
  /** producers: records per publish (1 = unbatched; raw default 256). */
  readonly publishEvery?: number;
  /** pm roles: the port to the other worker. */
  readonly port?: MessagePort;
}

/** What a consumer posts back: wall-clock milliseconds of each round. */
export interface RingWorkerResult {
  readonly roundMs: number[];
  readonly bad: number;
  /** Times the consumer went to sleep on the doorbell (shm roles). */
  readonly sleeps?: number;
}

const RECORD_BYTES = 64;
/** Raw ring geometry: header words on separate cache lines, then slots of 64 B. */
export const RAW_HEAD = 0;
export const RAW_TAIL = 16;
export const RAW_HEADER_BYTES = 128;
export const RAW_SLOTS = 16384; // 1 MiB of records
/** How long an idle shm consumer polls its doorbell before sleeping on it. */
const SPIN_MS = 0.05;

// Set by main() in the worker; this module is also imported by bench-ring for its constants.
let data: RingWorkerData;
let control: Int32Array;
let total: number;

function startTogether(): void {
  // why: tell the main thread this worker is ready.
  Atomics.add(control, 0, 1);
  // why: sleep until the main thread flips go, so both sides start at once.
  while (Atomics.load(control, 1) === 0) Atomics.wait(control, 1, 0, 100);
}

function rawProducer(): void {
  const sab = data.rawRing!;
  const hdr = new Int32Array(sab, 0, RAW_HEADER_BYTES / 4);
  const words = new Int32Array(sab, RAW_HEADER_BYTES);
  const mask = RAW_SLOTS - 1;
  const every = data.publishEvery ?? 256;
  const rec32 = new Int32Array(RECORD_BYTES / 4).fill(7);
  let tail = 0;
  let head = 0;
  startTogether();
  for (let seq = 0; seq < total; seq++) {
    while (tail - head >= RAW_SLOTS) {
      // why: full: publish what we have so the consumer can free slots, then re-read its head.
      Atomics.store(hdr, RAW_TAIL, tail);
      // why: acquire the consumer's progress.
      head = Atomics.load(hdr, RAW_HEAD);
    }
    // Same payload work as the subject's tryWrite: copy a 64 B source record word by word.
    rec32[0] = seq;
    const at = (tail & mask) * (RECORD_BYTES / 4);
    for (let k = 0; k < RECORD_BYTES / 4; k++) words[at + k] = rec32[k]!;
    tail++;
    // why: release a batch of records with one store.
    if (tail % every === 0) Atomics.store(hdr, RAW_TAIL, tail);
  }
  // why: release the last partial batch.
  Atomics.store(hdr, RAW_TAIL, tail);
}

function rawConsumer(): RingWorkerResult {
  const sab = data.rawRing!;
  const hdr = new Int32Array(sab, 0, RAW_HEADER_BYTES / 4);
  const words = new Int32Array(sab, RAW_HEADER_BYTES);
  const mask = RAW_SLOTS - 1;
  const roundMs: number[] = [];
  let head = 0;
  let bad = 0;
  startTogether();
  let t0 = performance.now();
  let nextMark = data.recordsPerRound;
  while (head < total) {
    // why: acquire every record published so far.
    const tail = Atomics.load(hdr, RAW_TAIL);
    if (tail === head) continue;
    for (; head < tail; head++) if (words[(head & mask) * (RECORD_BYTES / 4)] !== head) bad++;
    // why: release the slots back to the producer.
    Atomics.store(hdr, RAW_HEAD, head);
    if (head >= nextMark) {
      const t = performance.now();
      roundMs.push(t - t0);
      t0 = t;
      nextMark += data.recordsPerRound;
    }
  }
  return { roundMs, bad };
}

function shmProducer(): void {
  const producer = RingBuffer.attach(data.ring!).producer(Doorbell.attach(data.bell!));
  const every = data.publishEvery ?? 256;
  const rec = new Uint8Array(RECORD_BYTES);
  const rec32 = new Int32Array(rec.buffer);
  startTogether();
  let sincePublish = 0;
  for (let seq = 0; seq < total; seq++) {
    rec32[0] = seq;
    while (!producer.tryWrite(rec)) producer.publish(); // full: make sure the consumer sees everything, retry
    if (++sincePublish === every) {
      producer.publish();
      sincePublish = 0;
    }
  }
  producer.publish();
}

function shmConsumer(): RingWorkerResult {
  const ring = RingBuffer.attach(data.ring!);
  const consumer = ring.consumer();
  const bell = Doorbell.attach(data.bell!);
  const words = ring.data32;
  const roundMs: number[] = [];
  let received = 0;
  let bad = 0;
  let sleeps = 0;
  const visit = (_data: Uint8Array, offset: number): void => {
    if (words[offset >> 2] !== received) bad++;
    received++;
  };
  startTogether();
  let t0 = performance.now();
  let nextMark = data.recordsPerRound;
  while (received < total) {
    const seen = bell.value();
    if (consumer.drainRaw(visit) === 0) {
      // Spin up to SPIN_MS before sleeping: a futex sleep + wake costs more than a batch takes to arrive.
      const until = performance.now() + SPIN_MS;
      while (bell.value() === seen && performance.now() < until);
      if (bell.value() === seen) {
        sleeps++;
        bell.waitIdle(seen, 100);
      }
      continue;
    }
    if (received >= nextMark) {
      const t = performance.now();
      roundMs.push(t - t0);
      t0 = t;
      nextMark += data.recordsPerRound;
    }
  }
  return { roundMs, bad, sleeps };
}

function pmProducer(): void {
  const port = data.port!;
  const rec = new Uint8Array(RECORD_BYTES);
  const rec32 = new Int32Array(rec.buffer);
  startTogether();
  for (let seq = 0; seq < total; seq++) {
    rec32[0] = seq;
    port.postMessage(rec);
  }
}

function pmConsumer(): Promise<RingWorkerResult> {
  const port = data.port!;
  const roundMs: number[] = [];
  let received = 0;
  let bad = 0;
  return new Promise((resolve) => {
    let t0 = 0;
    port.on('message', (m: Uint8Array) => {
      if (new Int32Array(m.buffer, m.byteOffset, 1)[0] !== received) bad++;
      received++;
      if (received % data.recordsPerRound === 0) {
        const t = performance.now();
        roundMs.push(t - t0);
        t0 = t;
      }
      if (received === total) {
        port.close();
        resolve({ roundMs, bad });
      }
    });
    startTogether();
    t0 = performance.now();
  });
}

async function main(): Promise<void> {
  data = workerData as RingWorkerData;
  control = new Int32Array(data.control);
  total = data.recordsPerRound * data.rounds;
  switch (data.role) {
    case 'raw-producer':
      rawProducer();
      parentPort!.postMessage(null);
      break;
    case 'raw-consumer':
      parentPort!.postMessage(rawConsumer());
      break;
    case 'shm-producer':
      shmProducer();
      parentPort!.postMessage(null);
      break;
    case 'shm-consumer':
      parentPort!.postMessage(shmConsumer());
      break;
    case 'pm-producer':
      pmProducer(); // the consumer closes the channel once it has everything
      parentPort!.postMessage(null);
      break;
    case 'pm-consumer':
      parentPort!.postMessage(await pmConsumer());
      break;
  }
}

if (!isMainThread) void main();
