/**
 * Lookahead of the deterministic engine: lower bounds on how soon what a
 * node holds can reach each node. `horizonDistances` is the topology's
 * part (path latencies); a node's pending events refine it with what they
 * declare (a body kind's least reaction, a timer that will send to a known
 * node: `NodeKernel.sendBoundsPs`).
 */
import type { NodeId } from '@cdmsim/engine';
import type { RoutingTable } from '@cdmsim/bus';

/**
 * Lower bounds on how long an event at node k takes to affect node i:
 * `D[k * n + i]` is the lowest path latency from k to i, and `D[i * n + i]`
 * the shortest round trip from i to a neighbour and back.
 */
export function horizonDistances(routing: RoutingTable): Float64Array {
  const n = routing.nodeCount;
  const d = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) if (k !== i) d[k * n + i] = routing.pathLatencyPs(k as NodeId, i as NodeId);
  }
  for (let i = 0; i < n; i++) {
    let roundTrip = Number.POSITIVE_INFINITY;
    for (let j = 0; j < n; j++) if (j !== i) roundTrip = Math.min(roundTrip, d[i * n + j]! + d[j * n + i]!);
    d[i * n + i] = roundTrip;
  }
  return d;
}
