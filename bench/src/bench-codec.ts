/**
 * Envelope encode + decode: protobufjs static code (batched, as the bus
 * uses it) against the hand-written fixed-layout codec, same fields, same
 * run. Target: protobuf costs at most 3x the fixed layout (ratio ≥ 0.33).
 */
import { decodeBatch, encodeBatch, type EnvelopeData } from '@cdmsim/proto';
import { bestRate, type Benchmark } from './harness.js';
import { decodeFixed, encodeFixed, FIXED_HEADER_BYTES, type FixedEnvelope } from './fixed-layout-codec.js';

const BATCH = 256;
const DATA_BYTES = 64;

function makeFixed(i: number): FixedEnvelope {
  return {
    src: 2,
    dst: 0,
    hopSrc: 2,
    sendTimePs: 1_000_000 + i * 1000,
    arriveTimePs: 1_200_000 + i * 1000,
    seq: i + 1,
    txn: i + 7,
    tie: (i * 2654435761) >>> 0,
    op: 1,
    paddr: 4096 * (1000 + i) + 64 * (i % 64),
    data: new Uint8Array(DATA_BYTES).fill(i & 0xff),
  };
}

function toProto(f: FixedEnvelope): EnvelopeData {
  return {
    src: f.src,
    dst: f.dst,
    hopSrc: f.hopSrc,
    sendTimePs: f.sendTimePs,
    arriveTimePs: f.arriveTimePs,
    seq: f.seq,
    txn: f.txn,
    tie: f.tie,
    memReq: { op: f.op, paddr: f.paddr, size: f.data.length, data: f.data },
  };
}

export const benchmarks: Benchmark[] = [
  {
    name: 'codec-encode-decode',
    description: `encode + decode of ${BATCH}-envelope batches (MemRequest with ${DATA_BYTES} B data): protobufjs vs fixed layout`,
    baselineName: 'hand-written fixed-layout DataView codec',
    async run() {
      const fixed = Array.from({ length: BATCH }, (_, i) => makeFixed(i));
      const proto = fixed.map(toProto);
      let sink = 0;
      const protoRate = bestRate(() => {
        const envs = decodeBatch(encodeBatch(proto));
        sink += envs.length;
      }, BATCH);
      const buf = new Uint8Array(BATCH * (FIXED_HEADER_BYTES + DATA_BYTES));
      const view = new DataView(buf.buffer);
      const fixedRate = bestRate(() => {
        let off = 0;
        for (const e of fixed) off = encodeFixed(e, view, buf, off);
        off = 0;
        for (let i = 0; i < BATCH; i++) off = decodeFixed(view, buf, off).next;
        sink += BATCH;
      }, BATCH);
      const protoBytes = encodeBatch(proto).length / BATCH;
      return {
        subject: { figure: protoRate, unit: 'envelopes/s' },
        baseline: { figure: fixedRate, unit: 'envelopes/s' },
        details: { batch: BATCH, protobufBytesPerEnvelope: Math.round(protoBytes * 10) / 10, fixedBytesPerEnvelope: FIXED_HEADER_BYTES + DATA_BYTES, sink },
      };
    },
  },
];
