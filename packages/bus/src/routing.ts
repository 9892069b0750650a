/**
 * Routes across the topology. Messages travel hop by hop (store and
 * forward): every node knows, for each destination, which of its links to
 * use next. Routes are the lowest-latency paths; ties go to fewer hops, then
 * to the lower next-hop node id, so routes never depend on file order alone.
 */
import { CdmsimError, type LinkId, type NodeId, type Ps } from '@cdmsim/engine';
import type { LinkSpec, Topology } from '@cdmsim/config';

/** The next hop from one node toward a destination. */
export interface Hop {
  readonly link: LinkId;
  readonly next: NodeId;
}

/** All-pairs next-hop table of a topology. */
export class RoutingTable {
  readonly nodeCount: number;
  readonly #next: Int32Array; // [from * n + to] -> next node, -1 if none/self
  readonly #link: Int32Array; // [from * n + to] -> link id
  readonly #latency: Float64Array; // [from * n + to] -> path latency in ps
  readonly #hops: (Hop | undefined)[] = []; // [from * n + to] -> the same frozen Hop every time (no allocation per message)
  /** Smallest one-hop latency of any link: the smallest lookahead of conservative rounds. */
  readonly minLinkLatencyPs: Ps;

  /** Builds the table; throws when a node cannot reach another (config validation prevents it). */
  constructor(topology: Topology) {
    const n = topology.nodes.length;
    this.nodeCount = n;
    this.#next = new Int32Array(n * n).fill(-1);
    this.#link = new Int32Array(n * n).fill(-1);
    this.#latency = new Float64Array(n * n).fill(Number.POSITIVE_INFINITY);
    const adjacency: { link: LinkSpec; other: number }[][] = Array.from({ length: n }, () => []);
    for (const link of topology.links) {
      adjacency[link.a]!.push({ link, other: link.b });
      adjacency[link.b]!.push({ link, other: link.a });
    }
    for (let dst = 0; dst < n; dst++) this.#fillToward(dst, adjacency);
    this.minLinkLatencyPs = Math.min(...topology.links.map((l) => l.latencyPs));
    for (let i = 0; i < n * n; i++) {
      const next = this.#next[i]!;
      this.#hops.push(next < 0 ? undefined : Object.freeze({ link: this.#link[i]! as LinkId, next: next as NodeId }));
    }
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        if (a !== b && this.#next[a * n + b]! < 0) {
          throw new CdmsimError(`no route from node ${topology.nodes[a]!.name} to ${topology.nodes[b]!.name}`);
        }
      }
    }
  }

  /** Dijkstra from `dst` over reversed edges (links are symmetric). */
  #fillToward(dst: number, adjacency: { link: LinkSpec; other: number }[][]): void {
    const n = this.nodeCount;
    const dist = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    const hops = new Int32Array(n).fill(0x7fffffff);
    const done = new Uint8Array(n);
    dist[dst] = 0;
    hops[dst] = 0;
    for (;;) {
      let u = -1;
      for (let i = 0; i < n; i++) {
        if (!done[i] && dist[i]! < Number.POSITIVE_INFINITY && (u < 0 || dist[i]! < dist[u]! || (dist[i] === dist[u] && hops[i]! < hops[u]!))) u = i;
      }
      if (u < 0) break;
      done[u] = 1;
      for (const { link, other } of adjacency[u]!) {
        const d = dist[u]! + link.latencyPs;
        const h = hops[u]! + 1;
        const better =
          d < dist[other]! ||
          (d === dist[other]! && (h < hops[other]! || (h === hops[other]! && u < this.#next[other * n + dst]!)));
        if (!done[other] && better) {
          dist[other] = d;
          hops[other] = h;
          this.#next[other * n + dst] = u;
          this.#link[other * n + dst] = link.id;
        }
      }
    }
    for (let i = 0; i < n; i++) this.#latency[i * n + dst] = dist[i]!;
  }

  /** Returns the next hop from `from` toward `to`; `from` must differ from `to`. */
  nextHop(from: NodeId, to: NodeId): Hop {
    const hop = this.#hops[from * this.nodeCount + to];
    if (!hop) throw new CdmsimError(`no route from node ${from} to ${to}`);
    return hop;
  }

  /** Returns the node ids along the route, both ends included. */
  path(from: NodeId, to: NodeId): NodeId[] {
    const out: NodeId[] = [from];
    let at = from;
    while (at !== to) {
      at = this.nextHop(at, to).next;
      out.push(at);
    }
    return out;
  }

  /** Sum of link latencies along the route (no serialization, no queueing). */
  pathLatencyPs(from: NodeId, to: NodeId): Ps {
    return this.#latency[from * this.nodeCount + to]!;
  }
}
