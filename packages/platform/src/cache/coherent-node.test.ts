import { describe, expect, it } from 'vitest';
import { defaultTopology } from '@cdmsim/config';
import { nodeId } from '@cdmsim/engine';
import { cdmsim } from '@cdmsim/proto';
import type { CoherenceMsg, LineAddr } from '@cdmsim/coherence';
import { CoherenceWatch } from '@cdmsim/shm';
import { capturingKernel } from '@cdmsim/kernel/testing';
import { fromProto, toProto } from './coh-codec.js';
import { CoherentNode } from './coherent-node.js';
import { CrossWorkerMonitor } from './cross-worker-monitor.js';
import type { LineIndex } from './line-index.js';

const topology = defaultTopology();
const cpu0 = nodeId(0);
const cpu1 = nodeId(1);
const lineBytes = topology.nodes[0]!.cache.lineBytes;
const L0: LineAddr = 0x10_0000;
const L1: LineAddr = L0 + lineBytes;
const lines: LineIndex = { indexOf: (l) => (l - L0) / lineBytes, homeOf: () => cpu1 };

/** cpu0's cache (one line) against a directory on cpu1 played by the test. */
function world() {
  const { k, sent } = capturingKernel(topology, cpu0);
  const monitor = new CrossWorkerMonitor(CoherenceWatch.create(2), lines, topology, 1);
  const cache = { ...topology.nodes[0]!.cache, sizeBytes: lineBytes, ways: 1 };
  const node = new CoherentNode(k, lines, monitor, { thresholdPs: 1e12, periodPs: 1e9, timer: false }, {}, cache);
  let seq = 0;
  const run = (): void => void k.runUntil(k.nowPs + 1e9);
  const out = (): CoherenceMsg[] => sent.splice(0).flatMap((s) => (s.env.coh ? [fromProto(s.env.coh)] : []));
  const reply = (type: CoherenceMsg['type'], line: LineAddr): void => {
    const msg: CoherenceMsg = { type, line, src: { node: cpu1, unit: 'dir' }, dst: { node: cpu0, unit: 'cache' }, requester: { node: cpu0, unit: 'cache' }, ackCount: 0, data: 0, sizeBytes: 8 };
    k.deliver(cdmsim.Envelope.create({ src: cpu1, dst: cpu0, hopSrc: cpu1, seq: ++seq, arriveTimePs: k.nowPs + 1, coh: toProto(msg) }));
    run();
  };
  return { k, node, run, out, reply };
}

describe('CoherentNode.whenWritebacksDone', () => {
  it('calls back at once when no writeback of the range is in flight, and only after the PutAck when one is', () => {
    const { node, run, out, reply } = world();
    node.store(L0, 5, () => undefined);
    run();
    expect(out().map((m) => m.type)).toEqual(['GetM']);
    reply('Data', L0);
    let now = 0;
    node.whenWritebacksDone(L0, 2 * lineBytes, () => now++);
    expect(now).toBe(1);
    node.store(L1, 6, () => undefined); // the only way holds L0: it is written back
    run();
    expect(out().map((m) => [m.type, m.line])).toEqual([
      ['PutM', L0],
      ['GetM', L1],
    ]);
    let later = 0;
    node.whenWritebacksDone(L0, 2 * lineBytes, () => later++);
    node.whenWritebacksDone(L1, lineBytes, () => now++);
    expect([later, now]).toEqual([0, 2]);
    reply('PutAck', L0);
    expect(later).toBe(1);
  });
});
