/**
 * The transport seam. Controllers never send: they return messages, and the
 * executor hands them to a `Network`. `DeterministicNetwork` is the in-process
 * model used by tests and the random tester: per-message latency from a
 * latency model plus seeded jitter, FIFO per (source, destination) pair, and
 * seeded tie-breaks. The real bus implements the same interface.
 */
import { CdmsimError, Rng, serializationPs, type NodeId, type Ps } from '@cdmsim/engine';
import type { Topology } from '@cdmsim/config';
import { pairKey, type CoherenceMsg, type MsgType } from './messages.js';

/** Delivers coherence messages. Implementations must keep FIFO order per (src, dst) endpoint pair. */
export interface Network {
  /** Accepts `msg`, sent at simulated time `nowPs`. */
  send(msg: CoherenceMsg, nowPs: Ps): void;
}

/** Called by the network when a message arrives: at `atPs`, with a seeded `tie` for ordering equal times. */
export type DeliverFn = (msg: CoherenceMsg, atPs: Ps, tie: number) => void;

/** Returns the one-way cost of `payloadBytes` from node `src` to node `dst` (same node allowed). */
export type LatencyModel = (src: NodeId, dst: NodeId, payloadBytes: number) => Ps;

/** A latency model with one fixed latency between distinct nodes and `localPs` within a node. */
export function fixedLatency(remotePs: Ps, localPs: Ps = 1_000): LatencyModel {
  return (src, dst) => (src === dst ? localPs : remotePs);
}

/**
 * A latency model from a topology: the lowest-latency path, each hop costing
 * link latency + serialisation of (header + payload) at the link bandwidth
 * (no queueing: the real bus adds that). Within a node costs `localPs`.
 */
export function topologyLatency(topology: Topology, localPs: Ps = 1_000): LatencyModel {
  const n = topology.nodes.length;
  // Next-hop table by Floyd–Warshall on link latency (topologies are small).
  const dist: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : Infinity)));
  const next: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? j : -1)));
  const linkOf = new Map<string, Topology['links'][number]>();
  for (const l of topology.links) {
    for (const [a, b] of [[l.a, l.b], [l.b, l.a]] as const) {
      if (l.latencyPs < dist[a]![b]!) {
        dist[a]![b] = l.latencyPs;
        next[a]![b] = b;
        linkOf.set(`${a}-${b}`, l);
      }
    }
  }
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (dist[i]![k]! + dist[k]![j]! < dist[i]![j]!) {
          dist[i]![j] = dist[i]![k]! + dist[k]![j]!;
          next[i]![j] = next[i]![k]!;
        }
  return (src, dst, payloadBytes) => {
    if (src === dst) return localPs;
    let at: number = src;
    let total = 0;
    while (at !== dst) {
      const hop = next[at]![dst]!;
      if (hop < 0) throw new CdmsimError(`no path from node ${src} to node ${dst}`);
      const link = linkOf.get(`${at}-${hop}`)!;
      total += link.latencyPs + serializationPs(link.headerBytes + payloadBytes, link.bandwidthBytesPerNs);
      at = hop;
    }
    return total;
  };
}

/** Options of the in-process network. */
export interface DeterministicNetworkOptions {
  readonly latency: LatencyModel;
  readonly seed: number;
  /** Extra latency drawn uniformly from [0, jitterPs] per message (explores interleavings). */
  readonly jitterPs?: Ps;
  /** Fault injection: return true to lose a message (deadlock-detector tests). */
  readonly drop?: (msg: CoherenceMsg) => boolean;
}

/** Message and byte counts, total and per message type. */
export interface NetworkStats {
  messages: number;
  payloadBytes: number;
  dropped: number;
  byType: Partial<Record<MsgType, number>>;
}

/** The in-process deterministic network: same seed and sends → same deliveries. */
export class DeterministicNetwork implements Network {
  readonly #opts: DeterministicNetworkOptions;
  readonly #rng: Rng;
  readonly #deliver: DeliverFn;
  /** Last delivery time per (src, dst) endpoint pair: FIFO is kept by never delivering earlier. */
  readonly #lastPs = new Map<number, Ps>();
  readonly stats: NetworkStats = { messages: 0, payloadBytes: 0, dropped: 0, byType: {} };

  /** `deliver` is called synchronously from `send` with the arrival time; the caller queues it. */
  constructor(opts: DeterministicNetworkOptions, deliver: DeliverFn) {
    this.#opts = opts;
    this.#rng = new Rng(opts.seed, 0x6e6574);
    this.#deliver = deliver;
  }

  send(msg: CoherenceMsg, nowPs: Ps): void {
    this.stats.messages++;
    this.stats.payloadBytes += msg.sizeBytes;
    this.stats.byType[msg.type] = (this.stats.byType[msg.type] ?? 0) + 1;
    if (this.#opts.drop?.(msg)) {
      this.stats.dropped++;
      return;
    }
    const jitter = this.#opts.jitterPs ? this.#rng.int(0, this.#opts.jitterPs) : 0;
    const pair = pairKey(msg.src, msg.dst);
    // Strictly after the previous message on this pair, so FIFO holds whatever the tie key.
    const atPs = Math.max(nowPs + this.#opts.latency(msg.src.node, msg.dst.node, msg.sizeBytes) + jitter, (this.#lastPs.get(pair) ?? -1) + 1);
    this.#lastPs.set(pair, atPs);
    this.#deliver(msg, atPs, this.#rng.int(0, 0x7fffffff));
  }
}
