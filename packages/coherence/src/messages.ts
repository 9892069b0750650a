/**
 * Coherence messages. Plain data, transport-agnostic: a controller returns
 * them, a `Network` delivers them. On the real bus each travels as a proto
 * `CoherenceMessage` in a `coh` envelope (see @cdmsim/platform's `cache/coh-codec.ts`).
 */
import type { NodeId } from '@cdmsim/engine';

/** A cache-line address: the physical byte address of the line's first byte. */
export type LineAddr = number;

/** Which controller on a node a message is for. */
export type Unit = 'cache' | 'dir';

/** A message endpoint: a node's cache or a node's directory (home agent). */
export interface Endpoint {
  readonly node: NodeId;
  readonly unit: Unit;
}

/** Every coherence message type. Requests go cache → directory; the rest answer or forward. */
export type MsgType =
  | 'GetS' // cache → dir: want a readable copy
  | 'GetM' // cache → dir: want a writable copy
  | 'PutS' // cache → dir: dropping a shared copy
  | 'PutM' // cache → dir: writing back an owned (M or O) copy, with data
  | 'PutE' // cache → dir: dropping a clean exclusive copy, no data
  | 'FwdGetS' // dir → owner: send a copy to `requester`
  | 'FwdGetM' // dir → owner: send the line to `requester` and invalidate
  | 'Inv' // dir → sharer: invalidate, ack to `requester`
  | 'PutAck' // dir → cache: your Put is done
  | 'Data' // dir/owner → requester: the line, with `ackCount` acks to collect
  | 'DataE' // dir → requester: the line in Exclusive (no other copies)
  | 'AckCount' // dir → owner upgrading from O: collect `ackCount` acks, no data
  | 'InvAck'; // sharer → requester: invalidated

/** Message types that carry a line of data (their payload is the line size). */
export const DATA_MESSAGES: ReadonlySet<MsgType> = new Set<MsgType>(['PutM', 'Data', 'DataE']);

/** Payload bytes of a control message (address, type, ack count), excluding the link header. */
export const CONTROL_PAYLOAD_BYTES = 8;

/** One coherence message. `data` is the line's value (a write stamp); `sizeBytes` the header-less payload. */
export interface CoherenceMsg {
  readonly type: MsgType;
  readonly line: LineAddr;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  /** Whose request this serves (acks and forwarded data go there). */
  readonly requester: Endpoint;
  readonly ackCount: number;
  readonly data: number;
  readonly sizeBytes: number;
}

/** Returns the payload size of a message of `type` for lines of `lineBytes`. */
export function payloadBytes(type: MsgType, lineBytes: number): number {
  return DATA_MESSAGES.has(type) ? lineBytes : CONTROL_PAYLOAD_BYTES;
}

/** Returns a stable small integer for an endpoint (2·node + unit), used for FIFO keys and tie-breaks. */
export function endpointKey(e: Endpoint): number {
  return e.node * 2 + (e.unit === 'dir' ? 1 : 0);
}

/** Returns the FIFO key of a (source, destination) endpoint pair: order is kept per key. */
export function pairKey(src: Endpoint, dst: Endpoint): number {
  return endpointKey(src) * 4096 + endpointKey(dst);
}

/** Formats an endpoint for reports: `cache@2`, `dir@0`. */
export function formatEndpoint(e: Endpoint): string {
  return `${e.unit}@${e.node}`;
}

/**
 * The virtual network of a message type, as on a real interconnect: requests
 * (cache → directory), forwards (directory → cache: FwdGetS/FwdGetM, Inv,
 * PutAck) and responses (data and acks). Responses are never stalled, so a
 * stalled request or forward must not hold them up.
 */
export function vnetOf(type: MsgType): 0 | 1 | 2 {
  switch (type) {
    case 'GetS': case 'GetM': case 'PutS': case 'PutM': case 'PutE': return 0;
    case 'FwdGetS': case 'FwdGetM': case 'Inv': case 'PutAck': return 1;
    default: return 2;
  }
}

/** Returns the stall-order key of a message: its source endpoint and virtual network (order is kept per key). */
export function stallSourceKey(msg: CoherenceMsg): number {
  return endpointKey(msg.src) * 3 + vnetOf(msg.type);
}
