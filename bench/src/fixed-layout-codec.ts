/**
 * The hand-written baseline for envelope encoding: the same fields as a
 * memory-request envelope written at fixed offsets with a DataView — what a
 * simulator that gives up on protobuf would do. Used only by benchmarks.
 */

/** The envelope fields the baseline encodes (a MemRequest body). */
export interface FixedEnvelope {
  src: number;
  dst: number;
  hopSrc: number;
  sendTimePs: number;
  arriveTimePs: number;
  seq: number;
  txn: number;
  tie: number;
  op: number;
  paddr: number;
  data: Uint8Array;
}

/** Bytes of one record: 14 fixed words and the data length, then the data. */
export const FIXED_HEADER_BYTES = 60;

/** Writes `env` at `offset` of `view`; returns the offset after it. */
export function encodeFixed(env: FixedEnvelope, view: DataView, bytes: Uint8Array, offset: number): number {
  view.setUint32(offset, env.src, true);
  view.setUint32(offset + 4, env.dst, true);
  view.setUint32(offset + 8, env.hopSrc, true);
  view.setFloat64(offset + 12, env.sendTimePs, true);
  view.setFloat64(offset + 20, env.arriveTimePs, true);
  view.setUint32(offset + 28, env.seq, true);
  view.setUint32(offset + 32, env.txn, true);
  view.setUint32(offset + 36, env.tie, true);
  view.setUint32(offset + 40, env.op, true);
  view.setFloat64(offset + 44, env.paddr, true);
  view.setUint32(offset + 52, env.data.length, true);
  view.setUint32(offset + 56, 0, true);
  bytes.set(env.data, offset + FIXED_HEADER_BYTES);
  return offset + FIXED_HEADER_BYTES + env.data.length;
}

/** Reads the record at `offset`; returns it and the offset after it. The data is copied. */
export function decodeFixed(view: DataView, bytes: Uint8Array, offset: number): { env: FixedEnvelope; next: number } {
  const len = view.getUint32(offset + 52, true);
  const env: FixedEnvelope = {
    src: view.getUint32(offset, true),
    dst: view.getUint32(offset + 4, true),
    hopSrc: view.getUint32(offset + 8, true),
    sendTimePs: view.getFloat64(offset + 12, true),
    arriveTimePs: view.getFloat64(offset + 20, true),
    seq: view.getUint32(offset + 28, true),
    txn: view.getUint32(offset + 32, true),
    tie: view.getUint32(offset + 36, true),
    op: view.getUint32(offset + 40, true),
    paddr: view.getFloat64(offset + 44, true),
    data: bytes.slice(offset + FIXED_HEADER_BYTES, offset + FIXED_HEADER_BYTES + len),
  };
  return { env, next: offset + FIXED_HEADER_BYTES + len };
}
