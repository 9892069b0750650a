/**
 * The link model of one node: the outgoing direction of every link that
 * touches it. Only this node's worker ever sends on these directions, so
 * their state (busy-until time, counters) is private to one thread and
 * deterministic. Each transmission is charged: queueing while the link is
 * busy, serialization of header + payload at the link's bandwidth, then the
 * link's latency.
 */
import { CdmsimError, serializationPs, type LinkId, type NodeId, type Ps } from '@cdmsim/engine';
import type { LinkSpec, Topology } from '@cdmsim/config';
import type { BodyKind } from '@cdmsim/proto';

/** Per-kind traffic of one link direction. */
export interface KindTraffic {
  messages: number;
  bytes: number;
}

/** Counters of one direction of one link. */
export interface LinkDirectionStats {
  readonly link: LinkId;
  readonly linkName: string;
  readonly from: NodeId;
  readonly to: NodeId;
  messages: number;
  /** Bytes on the wire: header + payload. */
  bytes: number;
  /** Time the direction spent serializing (busy). */
  busyPs: Ps;
  /** Total time messages waited for the direction to become free. */
  queueDelayPs: Ps;
  /** Largest single wait. */
  maxQueueDelayPs: Ps;
  readonly byKind: Partial<Record<BodyKind, KindTraffic>>;
}

interface Direction {
  readonly spec: LinkSpec;
  readonly stats: LinkDirectionStats;
  busyUntilPs: Ps;
}

/** Outgoing link directions of one node. */
export class OutgoingLinks {
  readonly #byLink = new Map<number, Direction>();

  /** Creates the directions of every link incident to `self`. */
  constructor(topology: Topology, self: NodeId) {
    for (const spec of topology.links) {
      if (spec.a !== self && spec.b !== self) continue;
      const to = (spec.a === self ? spec.b : spec.a) as NodeId;
      this.#byLink.set(spec.id, {
        spec,
        busyUntilPs: 0,
        stats: {
          link: spec.id,
          linkName: spec.name,
          from: self,
          to,
          messages: 0,
          bytes: 0,
          busyPs: 0,
          queueDelayPs: 0,
          maxQueueDelayPs: 0,
          byKind: {},
        },
      });
    }
  }

  /**
   * Charges one message of `payloadBytes` leaving at `nowPs` on `link` and
   * returns the time it arrives at the other end. Callers must send in
   * non-decreasing `nowPs` order (a node's events run in time order).
   */
  transmit(nowPs: Ps, link: LinkId, payloadBytes: number, kind: BodyKind): Ps {
    const dir = this.#byLink.get(link);
    if (!dir) throw new CdmsimError(`link ${link} does not start at this node`);
    const bytes = dir.spec.headerBytes + payloadBytes;
    const departPs = Math.max(nowPs, dir.busyUntilPs);
    const wirePs = serializationPs(bytes, dir.spec.bandwidthBytesPerNs);
    dir.busyUntilPs = departPs + wirePs;
    const s = dir.stats;
    const waited = departPs - nowPs;
    s.messages++;
    s.bytes += bytes;
    s.busyPs += wirePs;
    s.queueDelayPs += waited;
    if (waited > s.maxQueueDelayPs) s.maxQueueDelayPs = waited;
    const k = (s.byKind[kind] ??= { messages: 0, bytes: 0 });
    k.messages++;
    k.bytes += bytes;
    return dir.busyUntilPs + dir.spec.latencyPs;
  }

  /** Returns a snapshot of every direction's counters (plain data). */
  stats(): LinkDirectionStats[] {
    return [...this.#byLink.values()].map((d) => structuredClone(d.stats));
  }
}
