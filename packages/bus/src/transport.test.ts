import { describe, expect, it } from 'vitest';
import { nodeId } from '@cdmsim/engine';
import type { EnvelopeData } from '@cdmsim/proto';
import { RingBuffer } from '@cdmsim/shm';
import { Transport, type OutPort } from './transport.js';

function pair(capacityBytes: number): { sender: Transport; receiver: Transport; rings: number[] } {
  const ring = new RingBuffer({ capacityBytes });
  const producer = ring.producer();
  const rings: number[] = [];
  const port: OutPort = {
    to: nodeId(1),
    ring: {
      maxRecordBytes: ring.maxRecordBytes,
      tryWrite: (b) => producer.tryWrite(b),
      publish: () => void producer.publish(),
    },
    doorbell: { ring: () => rings.push(1) },
  };
  return { sender: new Transport([port], []), receiver: new Transport([], [RingBuffer.attach(ring.handle()).consumer()]), rings };
}

const env = (seq: number): EnvelopeData => ({ src: 0, dst: 1, seq, sendTimePs: seq * 10, memReq: { op: 1, paddr: seq * 64, size: 64, data: new Uint8Array(64).fill(seq & 0xff) } });

describe('Transport', () => {
  it('delivers posted envelopes in order, one batch and one doorbell per flush', () => {
    const { sender, receiver, rings } = pair(1 << 20);
    for (let i = 1; i <= 100; i++) sender.post(nodeId(1), env(i));
    expect(sender.pendingCount).toBe(100);
    expect(sender.flush()).toBe(true);
    expect(sender.stats.batchesSent).toBe(1);
    expect(rings).toHaveLength(1);
    const got: number[] = [];
    receiver.drain((e) => {
      got.push(e.seq);
      expect(e.memReq!.data![0]).toBe(e.seq & 0xff);
    });
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(receiver.stats.batchesReceived).toBe(1);
  });

  it('keeps what does not fit when the ring is full and loses nothing after the receiver drains', () => {
    const { sender, receiver } = pair(4096);
    const got: number[] = [];
    let next = 1;
    let fullSeen = false;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 40; i++) sender.post(nodeId(1), env(next++));
      if (!sender.flush()) fullSeen = true;
      receiver.drain((e) => got.push(e.seq));
    }
    while (!sender.flush()) receiver.drain((e) => got.push(e.seq));
    receiver.drain((e) => got.push(e.seq));
    expect(fullSeen).toBe(true);
    expect(sender.stats.backPressureEvents).toBeGreaterThan(0);
    expect(got).toEqual(Array.from({ length: next - 1 }, (_, i) => i + 1));
  });

  it('decoded data does not alias ring memory that the producer reuses', () => {
    const { sender, receiver } = pair(4096);
    const kept: Uint8Array[] = [];
    for (let i = 1; i <= 200; i++) {
      sender.post(nodeId(1), env(i));
      while (!sender.flush()) receiver.drain((e) => kept.push(e.memReq!.data!));
      receiver.drain((e) => kept.push(e.memReq!.data!));
    }
    expect(kept.map((d) => d[0])).toEqual(Array.from({ length: 200 }, (_, i) => (i + 1) & 0xff));
  });

  it('refuses to post to a node that is not a neighbour', () => {
    const { sender } = pair(4096);
    expect(() => sender.post(nodeId(5), env(1))).toThrow(/not a neighbour/);
  });
});
