/**
 * Converts coherence messages (@cdmsim/coherence) to and from the bus's
 * protobuf `CoherenceMessage` body. Tables, so a new message type is a
 * one-line change in each direction.
 */
import { CdmsimError, nodeId } from '@cdmsim/engine';
import type { CoherenceMsg, Endpoint, MsgType, Unit } from '@cdmsim/coherence';
import { cdmsim } from '@cdmsim/proto';

const TYPE_TO_PROTO: Readonly<Record<MsgType, cdmsim.CohType>> = {
  GetS: cdmsim.CohType.COH_GET_S,
  GetM: cdmsim.CohType.COH_GET_M,
  PutS: cdmsim.CohType.COH_PUT_S,
  PutM: cdmsim.CohType.COH_PUT_M,
  PutE: cdmsim.CohType.COH_PUT_E,
  FwdGetS: cdmsim.CohType.COH_FWD_GET_S,
  FwdGetM: cdmsim.CohType.COH_FWD_GET_M,
  Inv: cdmsim.CohType.COH_INV,
  PutAck: cdmsim.CohType.COH_PUT_ACK,
  Data: cdmsim.CohType.COH_DATA,
  DataE: cdmsim.CohType.COH_DATA_E,
  AckCount: cdmsim.CohType.COH_ACK_COUNT,
  InvAck: cdmsim.CohType.COH_INV_ACK,
};

const PROTO_TO_TYPE = new Map<number, MsgType>(Object.entries(TYPE_TO_PROTO).map(([k, v]) => [v, k as MsgType]));

const unitToProto = (u: Unit): cdmsim.CohUnit => (u === 'dir' ? cdmsim.CohUnit.COH_DIR : cdmsim.CohUnit.COH_CACHE);
const endpoint = (node: number | null | undefined, unit: cdmsim.CohUnit | null | undefined): Endpoint => ({
  node: nodeId(node ?? 0),
  unit: unit === cdmsim.CohUnit.COH_DIR ? 'dir' : 'cache',
});

/** Returns the protobuf body of `msg`. */
export function toProto(msg: CoherenceMsg): cdmsim.CoherenceMessage.$Properties {
  return {
    type: TYPE_TO_PROTO[msg.type],
    line: msg.line,
    srcNode: msg.src.node,
    srcUnit: unitToProto(msg.src.unit),
    dstNode: msg.dst.node,
    dstUnit: unitToProto(msg.dst.unit),
    requesterNode: msg.requester.node,
    requesterUnit: unitToProto(msg.requester.unit),
    ackCount: msg.ackCount,
    data: msg.data,
    sizeBytes: msg.sizeBytes,
  };
}

/**
 * Returns the coherence message of a decoded body (absent fields are proto3 zeros).
 * @throws Error on an unknown message type (a newer peer or a corrupt envelope).
 */
export function fromProto(p: cdmsim.CoherenceMessage.$Properties): CoherenceMsg {
  const type = PROTO_TO_TYPE.get(p.type ?? 0);
  if (type === undefined) throw new CdmsimError(`unknown coherence message type ${p.type}`);
  return {
    type,
    line: p.line ?? 0,
    src: endpoint(p.srcNode, p.srcUnit),
    dst: endpoint(p.dstNode, p.dstUnit),
    requester: endpoint(p.requesterNode, p.requesterUnit),
    ackCount: p.ackCount ?? 0,
    data: p.data ?? 0,
    sizeBytes: p.sizeBytes ?? 0,
  };
}
