import { describe, expect, it } from 'vitest';
import { defaultTopology } from '@cdmsim/config';
import { nodeId, type NodeId } from '@cdmsim/engine';
import { RoutingTable } from './routing.js';

const topology = defaultTopology();
const byName = (n: string): NodeId => topology.nodes.find((x) => x.name === n)!.id;

/** Floyd–Warshall over link latencies: the reference the table must match. */
function shortest(): number[][] {
  const n = topology.nodes.length;
  const d = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : Infinity)));
  for (const l of topology.links) d[l.a]![l.b] = d[l.b]![l.a] = Math.min(d[l.a]![l.b]!, l.latencyPs);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i]![j] = Math.min(d[i]![j]!, d[i]![k]! + d[k]![j]!);
  return d;
}

describe('RoutingTable', () => {
  const table = new RoutingTable(topology);

  it('routes every pair along existing links with the lowest total latency', () => {
    const ref = shortest();
    for (const a of topology.nodes) {
      for (const b of topology.nodes) {
        if (a.id === b.id) continue;
        const path = table.path(a.id, b.id);
        let latency = 0;
        for (let i = 1; i < path.length; i++) {
          const link = topology.links.find((l) => (l.a === path[i - 1] && l.b === path[i]) || (l.b === path[i - 1] && l.a === path[i]));
          expect(link, `${path[i - 1]}->${path[i]} is a link`).toBeDefined();
          latency += link!.latencyPs;
        }
        expect(latency).toBe(ref[a.id]![b.id]);
        expect(table.pathLatencyPs(a.id, b.id)).toBe(latency);
      }
    }
  });

  it('sends a far GPU through its own socket and the SMP link (160 ns beats 200 ns over NVLink)', () => {
    expect(table.path(byName('gpu2'), byName('cpu0')).map((i) => topology.nodes[i]!.name)).toEqual(['gpu2', 'cpu1', 'cpu0']);
  });

  it('uses the smallest link latency as lookahead', () => {
    expect(table.minLinkLatencyPs).toBe(Math.min(...topology.links.map((l) => l.latencyPs)));
  });

  it('refuses a route to itself', () => {
    expect(() => table.nextHop(nodeId(0), nodeId(0))).toThrow(/no route/);
  });
});
