import { describe, expect, it } from 'vitest';
import { nodeId, type Ps } from '@cdmsim/engine';
import { DeterministicNetwork, fixedLatency, topologyLatency } from './network.js';
import { smallTopology } from './small-topology.js';
import type { CoherenceMsg } from './messages.js';

const msg = (i: number, dst = 1): CoherenceMsg => ({
  type: 'GetS', line: i, src: { node: nodeId(0), unit: 'cache' }, dst: { node: nodeId(dst), unit: 'dir' }, requester: { node: nodeId(0), unit: 'cache' }, ackCount: 0, data: 0, sizeBytes: 8,
});

describe('DeterministicNetwork', () => {
  it('keeps FIFO order per (source, destination) despite jitter, and replays from its seed', () => {
    const run = (): Ps[] => {
      const times: Ps[] = [];
      const net = new DeterministicNetwork({ latency: fixedLatency(1_000), seed: 9, jitterPs: 50_000 }, (_m, at) => times.push(at));
      for (let i = 0; i < 50; i++) net.send(msg(i), i * 10);
      return times;
    };
    const t = run();
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThan(t[i - 1]!);
    expect(run()).toEqual(t);
  });

  it('topology latency adds link latency and serialisation of header + payload on every hop', () => {
    const topo = smallTopology({ cpus: 2, gpus: 1 }); // cpu1 –smp– cpu0 –nvlink– gpu0
    const lat = topologyLatency(topo);
    const smp = 100_000 + Math.ceil(((16 + 64) * 1000) / 64);
    const nv = 200_000 + Math.ceil(((16 + 64) * 1000) / 75);
    expect(lat(nodeId(1), nodeId(2), 64)).toBe(smp + nv);
    expect(lat(nodeId(1), nodeId(1), 64)).toBe(1_000);
  });

  it('counts messages and bytes, and drops what the fault injector asks', () => {
    const got: number[] = [];
    const net = new DeterministicNetwork({ latency: fixedLatency(1), seed: 1, drop: (m) => m.line === 1 }, (m) => got.push(m.line));
    for (let i = 0; i < 3; i++) net.send(msg(i), 0);
    expect(got).toEqual([0, 2]);
    expect(net.stats).toMatchObject({ messages: 3, payloadBytes: 24, dropped: 1 });
  });
});
