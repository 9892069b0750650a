import { describe, expect, it } from 'vitest';
import { BODY_KINDS, bodyKindOf, cdmsim, decodeBatch, decodeEnvelope, encodeBatch, encodeEnvelope, type EnvelopeData } from './index.js';

const sample: EnvelopeData = {
  src: 3,
  dst: 0,
  hopSrc: 1,
  sendTimePs: 2 ** 40 + 7,
  arriveTimePs: 2 ** 40 + 100_007,
  seq: 99,
  txn: 5,
  tie: 0xfffffff0,
  memReq: { op: cdmsim.MemOp.MEM_WRITE, paddr: 17 * 2 ** 32 + 64, size: 4, data: new Uint8Array([1, 2, 3, 4]) },
};

describe('proto messages', () => {
  it('round-trips an envelope with 64-bit times and addresses as exact numbers', () => {
    const e = decodeEnvelope(encodeEnvelope(sample));
    expect(e.sendTimePs).toBe(sample.sendTimePs);
    expect(e.arriveTimePs).toBe(sample.arriveTimePs);
    expect(e.tie).toBe(sample.tie);
    expect(e.memReq!.paddr).toBe(sample.memReq!.paddr);
    expect(Array.from(e.memReq!.data!)).toEqual([1, 2, 3, 4]);
    expect(bodyKindOf(e)).toBe('memReq');
  });

  it('decodes absent 64-bit fields as the number 0, never as Long objects', () => {
    const e = decodeEnvelope(encodeEnvelope({ src: 1, control: { op: 0 } }));
    expect(e.sendTimePs).toBe(0);
    expect(typeof e.control!.vaddr).toBe('number');
  });

  it('keeps envelope order through a batch', () => {
    const batch = Array.from({ length: 50 }, (_, i) => ({ ...sample, seq: i }));
    expect(decodeBatch(encodeBatch(batch)).map((e) => e.seq)).toEqual(batch.map((e) => e.seq));
  });

  it('lists every oneof body field of Envelope as a body kind', () => {
    const oneof = cdmsim.Envelope.prototype as unknown as Record<string, unknown>;
    for (const kind of BODY_KINDS) expect(kind in oneof).toBe(true);
  });
});

describe('protobuf runtime settings', () => {
  it('setting the oneof body still clears the other member, as protobufjs does', () => {
    const e = cdmsim.Envelope.create({ control: { op: 1 } });
    e.memReq = { op: 0 };
    e.body = 'memReq';
    expect(Object.prototype.hasOwnProperty.call(e, 'control')).toBe(false);
    expect(e.body).toBe('memReq');
  });
});
