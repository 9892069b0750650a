/**
 * Test fixture: a NodeKernel outside any worker whose outgoing envelopes
 * are captured instead of written to rings, so unit tests can drive one
 * node's model and answer its messages by hand (`deliver`).
 */
import type { NodeId } from '@cdmsim/engine';
import type { Topology } from '@cdmsim/config';
import { RoutingTable, Transport, type OutPort } from '@cdmsim/bus';
import type { EnvelopeData } from '@cdmsim/proto';
import { NodeKernel } from '../kernel.js';

/** Returns a kernel for node `self` of `topology` and the list its sends are captured in (next hop, envelope). */
export function capturingKernel(topology: Topology, self: NodeId, seed = 1, crashAfterEvents?: number): { k: NodeKernel; sent: { next: number; env: EnvelopeData }[] } {
  const sent: { next: number; env: EnvelopeData }[] = [];
  const neighbours = topology.links.filter((l) => l.a === self || l.b === self).map((l) => (l.a === self ? l.b : l.a));
  const ports: OutPort[] = neighbours.map((to) => ({ to, ring: { maxRecordBytes: 1 << 20, tryWrite: () => true, publish: () => undefined }, doorbell: { ring: () => undefined } }));
  const transport = new Transport(ports, []);
  const original = transport.post.bind(transport);
  transport.post = (next, env) => {
    sent.push({ next, env });
    original(next, env);
  };
  const k = new NodeKernel({ topology, self, seed, routing: new RoutingTable(topology), outbox: transport, ...(crashAfterEvents ? { crashAfterEvents } : {}) });
  return { k, sent };
}
