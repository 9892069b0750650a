import { describe, expect, it } from 'vitest';
import { runWorker } from '../test-workers/spawn.js';
import { Doorbell } from './doorbell.js';
import { RING_HEAD, RING_HEADER_BYTES, RING_TAIL } from './layout.js';
import { RingBuffer } from './ring.js';

const rec = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe('RingBuffer (one thread)', () => {
  it('delivers records in order, only after publish, as one batch', () => {
    const ring = new RingBuffer({ capacityBytes: 1024 });
    const p = ring.producer();
    const c = ring.consumer();
    expect(p.tryWrite(rec(3, 1))).toBe(true);
    expect(p.tryWrite(rec(0, 0))).toBe(true);
    expect(p.tryWrite(rec(10, 2))).toBe(true);
    expect(c.drain(() => undefined)).toBe(0); // not yet published
    expect(p.publish()).toBe(true);
    expect(p.publish()).toBe(false);
    const got: number[][] = [];
    expect(c.drain((b) => got.push([...b]))).toBe(3);
    expect(got).toEqual([[1, 1, 1], [], Array(10).fill(2)]);
    expect(c.drain(() => undefined)).toBe(0);
  });

  it('reports full instead of dropping, wraps without splitting records', () => {
    const ring = new RingBuffer({ capacityBytes: 64 });
    const p = ring.producer();
    const c = ring.consumer();
    expect(ring.maxRecordBytes).toBe(28);
    expect(() => p.tryWrite(rec(29, 0))).toThrow(/exceeds/);
    // 4 records of 16 B (4 header + 12 payload) fill the 64 B ring; a fifth does not fit.
    for (let i = 0; i < 4; i++) expect(p.tryWrite(rec(12, i + 1))).toBe(true);
    expect(p.tryWrite(rec(12, 9))).toBe(false);
    expect(p.tryWrite(rec(0, 9))).toBe(false);
    p.publish();
    const got: number[] = [];
    expect(c.drain((b) => got.push(b[0]!))).toBe(4);
    for (let i = 0; i < 3; i++) expect(p.tryWrite(rec(12, 5 + i))).toBe(true);
    p.publish();
    expect(c.drain((b) => got.push(b[0]!))).toBe(3);
    // tail at 48: a 20-byte record needs a wrap marker (16 B wasted) and goes to offset 0.
    const view = p.tryReserve(16);
    expect(view).not.toBeNull();
    expect(view!.byteOffset).toBe(RING_HEADER_BYTES + 4);
    view!.fill(8);
    p.commit();
    p.publish();
    expect(ring.usedBytes()).toBe(36);
    expect(c.drain((b) => got.push(b[0]!, b.length))).toBe(1);
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 16]);
  });

  it('a throwing callback leaves its record for the next drain', () => {
    const ring = new RingBuffer({ capacityBytes: 256 });
    const p = ring.producer();
    const c = ring.consumer();
    for (let i = 0; i < 3; i++) p.tryWrite(rec(4, i));
    p.publish();
    const got: number[] = [];
    expect(() => c.drain((b) => {
      if (b[0] === 1 && got.length === 1) throw new Error('boom');
      got.push(b[0]!);
    })).toThrow('boom');
    c.drain((b) => got.push(b[0]!));
    expect(got).toEqual([0, 1, 2]);
  });

  it('counters stay correct across 2^32 wraparound of the byte counters', () => {
    const ring = new RingBuffer({ capacityBytes: 128 });
    ring.header[RING_HEAD] = 2 ** 31 - 8; // counters just below the int32 sign flip
    ring.header[RING_TAIL] = 2 ** 31 - 8;
    const p = ring.producer();
    const c = ring.consumer();
    let next = 0;
    for (let i = 0; i < 50; i++) {
      while (p.tryWrite(rec(5 + (i % 7), i & 0xff))) i++;
      p.publish();
      c.drain((b) => {
        expect(b[0]).toBe(next & 0xff);
        expect(b.length).toBe(5 + (next % 7));
        next++;
      });
      i--; // the record that did not fit is written next round
    }
    expect(next).toBeGreaterThan(40);
  });
});

describe('RingBuffer across real workers', () => {
  it('delivers many variable-length records in order with wraparound and back-pressure', async () => {
    const ring = new RingBuffer({ capacityBytes: 4096 });
    const bell = new Doorbell();
    const count = 200_000;
    const maxLen = 200;
    const common = { ring: ring.handle(), bell: bell.handle(), count, maxLen };
    const consumer = runWorker<{ received: number; firstBad: number; drains: number; sleeps: number }>('ring-consumer.mjs', { ...common, slowEvery: 500 });
    const producer = runWorker<{ fullEvents: number }>('ring-producer.mjs', { ...common, batch: 7 });
    const [c, p] = await Promise.all([consumer, producer]);
    expect(p.ok && c.ok).toBe(true);
    expect(c.result!.firstBad).toBe(-1);
    expect(c.result!.received).toBe(count);
    expect(p.result!.fullEvents).toBeGreaterThan(0); // ~20 MB through a 4 KiB ring: the producer must have met a full ring
    expect(ring.usedBytes()).toBe(0);
  });
});
