import { describe, expect, it } from 'vitest';
import { defaultTopology } from '@cdmsim/config';
import { serializationPs } from '@cdmsim/engine';
import { OutgoingLinks } from './link-model.js';

const topology = defaultTopology();
const cpu0 = topology.nodes.find((n) => n.name === 'cpu0')!.id;
const smp = topology.links.find((l) => l.kind === 'smp')!;

describe('OutgoingLinks', () => {
  it('charges header + payload serialization, then latency', () => {
    const links = new OutgoingLinks(topology, cpu0);
    const arrive = links.transmit(1_000, smp.id, 80, 'memReq');
    expect(arrive).toBe(1_000 + serializationPs(80 + smp.headerBytes, smp.bandwidthBytesPerNs) + smp.latencyPs);
  });

  it('queues a message behind one still serialising on the same direction', () => {
    const links = new OutgoingLinks(topology, cpu0);
    const wire = serializationPs(1000 + smp.headerBytes, smp.bandwidthBytesPerNs);
    links.transmit(0, smp.id, 1000, 'memResp');
    const second = links.transmit(0, smp.id, 1000, 'memResp');
    expect(second).toBe(2 * wire + smp.latencyPs);
    const [stats] = links.stats().filter((s) => s.link === smp.id);
    expect(stats!.queueDelayPs).toBe(wire);
    expect(stats!.maxQueueDelayPs).toBe(wire);
    expect(stats!.busyPs).toBe(2 * wire);
  });

  it('does not queue a message sent after the direction went idle', () => {
    const links = new OutgoingLinks(topology, cpu0);
    links.transmit(0, smp.id, 64, 'memReq');
    links.transmit(10_000_000, smp.id, 64, 'memReq');
    expect(links.stats().find((s) => s.link === smp.id)!.queueDelayPs).toBe(0);
  });

  it('counts messages and bytes by kind per direction', () => {
    const links = new OutgoingLinks(topology, cpu0);
    links.transmit(0, smp.id, 64, 'memReq');
    links.transmit(0, smp.id, 32, 'control');
    links.transmit(0, smp.id, 64, 'memReq');
    const s = links.stats().find((x) => x.link === smp.id)!;
    expect(s.messages).toBe(3);
    expect(s.byKind.memReq).toEqual({ messages: 2, bytes: 2 * (64 + smp.headerBytes) });
    expect(s.byKind.control).toEqual({ messages: 1, bytes: 32 + smp.headerBytes });
    expect(s.bytes).toBe(160 + 3 * smp.headerBytes);
  });

  it('refuses a link that does not start at the node', () => {
    const links = new OutgoingLinks(topology, cpu0);
    const far = topology.links.find((l) => l.a !== cpu0 && l.b !== cpu0)!;
    expect(() => links.transmit(0, far.id, 8, 'memReq')).toThrow(/does not start at this node/);
  });
});
