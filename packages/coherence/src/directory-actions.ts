/**
 * The directory table's actions: small named functions over one transition's
 * context. They change only `ctx.rec` (a copy of the line's directory entry)
 * and append to `ctx.effects`.
 */
import { CdmsimError, type NodeId, type Ps } from '@cdmsim/engine';
import type { ActionImpls } from './table.js';
import type { DirAction } from './directory-table.js';
import type { DirState } from './directory-states.js';
import { payloadBytes, type CoherenceMsg, type Endpoint, type LineAddr, type MsgType } from './messages.js';

/** A line's directory entry, with memory's copy of the data. */
export interface DirLineRecord {
  state: DirState;
  owner: NodeId | undefined;
  /** Sharer nodes, ascending (their caches hold S copies, or are acquiring one). */
  sharers: NodeId[];
  /** Recall responses still due. */
  pending: number;
  /** Memory's value of the line. */
  memory: number;
}

/** Something the executor must do. */
export type DirEffect =
  | { readonly kind: 'send'; readonly msg: CoherenceMsg; readonly delayPs: Ps }
  | { readonly kind: 'recalled'; readonly line: LineAddr };

/** Everything one directory transition sees. `msg` is undefined for a Recall. */
export interface DirActionContext {
  readonly line: LineAddr;
  readonly self: Endpoint;
  readonly lineBytes: number;
  readonly memoryLatencyPs: Ps;
  readonly msg: CoherenceMsg | undefined;
  readonly rec: DirLineRecord;
  readonly effects: DirEffect[];
}

const cacheOf = (node: NodeId): Endpoint => ({ node, unit: 'cache' });

function send(ctx: DirActionContext, type: MsgType, dst: Endpoint, requester: Endpoint, ackCount: number, delayPs: Ps = 0): void {
  ctx.effects.push({
    kind: 'send',
    delayPs,
    msg: { type, line: ctx.line, src: ctx.self, dst, requester, ackCount, data: ctx.rec.memory, sizeBytes: payloadBytes(type, ctx.lineBytes) },
  });
}

function requestOf(ctx: DirActionContext): CoherenceMsg {
  if (!ctx.msg) throw new CdmsimError(`directory ${ctx.self.node} line ${ctx.line}: action needs a message`);
  return ctx.msg;
}

function ownerOf(ctx: DirActionContext): NodeId {
  if (ctx.rec.owner === undefined) throw new CdmsimError(`directory ${ctx.self.node} line ${ctx.line}: action needs an owner`);
  return ctx.rec.owner;
}

const otherSharers = (ctx: DirActionContext): NodeId[] => ctx.rec.sharers.filter((s) => s !== requestOf(ctx).requester.node);

/** Implementations of every `DirAction`. */
export const DIR_ACTIONS: ActionImpls<DirAction, DirActionContext> = {
  sendData: (ctx) => {
    const m = requestOf(ctx);
    send(ctx, 'Data', m.requester, m.requester, 0, ctx.memoryLatencyPs);
  },
  sendDataWithAckCount: (ctx) => {
    const m = requestOf(ctx);
    send(ctx, 'Data', m.requester, m.requester, otherSharers(ctx).length, ctx.memoryLatencyPs);
  },
  sendDataExclusive: (ctx) => {
    const m = requestOf(ctx);
    send(ctx, 'DataE', m.requester, m.requester, 0, ctx.memoryLatencyPs);
  },
  forwardGetS: (ctx) => send(ctx, 'FwdGetS', cacheOf(ownerOf(ctx)), requestOf(ctx).requester, 0),
  forwardGetM: (ctx) => send(ctx, 'FwdGetM', cacheOf(ownerOf(ctx)), requestOf(ctx).requester, otherSharers(ctx).length),
  sendAckCount: (ctx) => {
    const m = requestOf(ctx);
    send(ctx, 'AckCount', m.requester, m.requester, otherSharers(ctx).length);
  },
  invalidateSharers: (ctx) => {
    const m = requestOf(ctx);
    for (const s of otherSharers(ctx)) send(ctx, 'Inv', cacheOf(s), m.requester, 0);
  },
  addSharer: (ctx) => {
    const n = requestOf(ctx).requester.node;
    if (!ctx.rec.sharers.includes(n)) ctx.rec.sharers = [...ctx.rec.sharers, n].sort((a, b) => a - b);
  },
  removeSharer: (ctx) => {
    const n = requestOf(ctx).requester.node;
    ctx.rec.sharers = ctx.rec.sharers.filter((s) => s !== n);
  },
  clearSharers: (ctx) => {
    ctx.rec.sharers = [];
  },
  setOwner: (ctx) => {
    ctx.rec.owner = requestOf(ctx).requester.node;
  },
  clearOwner: (ctx) => {
    ctx.rec.owner = undefined;
  },
  writeMemory: (ctx) => {
    const m = requestOf(ctx);
    if (m.type !== 'PutE') ctx.rec.memory = m.data;
  },
  sendPutAck: (ctx) => {
    const m = requestOf(ctx);
    send(ctx, 'PutAck', m.requester, m.requester, 0);
  },
  recallSharers: (ctx) => {
    for (const s of ctx.rec.sharers) send(ctx, 'Inv', cacheOf(s), ctx.self, 0);
    ctx.rec.pending += ctx.rec.sharers.length;
  },
  recallOwner: (ctx) => {
    send(ctx, 'FwdGetM', cacheOf(ownerOf(ctx)), ctx.self, 0);
    ctx.rec.pending += 1;
  },
  countRecallResponse: (ctx) => {
    ctx.rec.pending--;
  },
  finishRecall: (ctx) => {
    ctx.rec.owner = undefined;
    ctx.rec.sharers = [];
    ctx.rec.pending = 0;
    ctx.effects.push({ kind: 'recalled', line: ctx.line });
  },
  stall: () => {},
};
