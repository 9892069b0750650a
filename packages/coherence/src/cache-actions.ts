/**
 * The cache table's actions: small named functions over one transition's
 * context. They change only `ctx.rec` (a copy of the line's record) and append
 * to `ctx.effects`; the controller commits the record and the executor
 * performs the effects.
 */
import { CdmsimError, type Ps } from '@cdmsim/engine';
import type { ActionImpls } from './table.js';
import type { CacheAction } from './cache-table.js';
import type { CacheState } from './cache-states.js';
import { payloadBytes, type CoherenceMsg, type Endpoint, type LineAddr, type MsgType } from './messages.js';

/** A load or store from the agent. `value` is what a store writes (ignored for loads). */
export interface CoreOp {
  readonly id: number;
  readonly kind: 'load' | 'store';
  readonly value: number;
}

/** A cache line's coherence record. */
export interface CacheLineRecord {
  state: CacheState;
  data: number;
  /** Acks to collect for the pending GetM; undefined until Data / AckCount says. */
  acksNeeded: number | undefined;
  acksReceived: number;
  /** The agent's operation waiting for this line's miss. */
  op: CoreOp | undefined;
}

/** Something the executor must do. `delayPs` counts from the transition's time. */
export type CacheEffect =
  | { readonly kind: 'send'; readonly msg: CoherenceMsg; readonly delayPs: Ps }
  | { readonly kind: 'perform'; readonly op: CoreOp; readonly line: LineAddr; readonly value: number; readonly delayPs: Ps };

/** Everything one transition sees. */
export interface CacheActionContext {
  readonly line: LineAddr;
  readonly self: Endpoint;
  readonly home: Endpoint;
  readonly lineBytes: number;
  readonly hitLatencyPs: Ps;
  readonly msg: CoherenceMsg | undefined;
  readonly op: CoreOp | undefined;
  readonly rec: CacheLineRecord;
  readonly effects: CacheEffect[];
}

function send(ctx: CacheActionContext, type: MsgType, dst: Endpoint, requester: Endpoint, ackCount = 0): void {
  ctx.effects.push({
    kind: 'send',
    delayPs: 0,
    msg: { type, line: ctx.line, src: ctx.self, dst, requester, ackCount, data: ctx.rec.data, sizeBytes: payloadBytes(type, ctx.lineBytes) },
  });
}

function need<T>(v: T | undefined, what: string, ctx: CacheActionContext): T {
  if (v === undefined) throw new CdmsimError(`cache ${ctx.self.node} line ${ctx.line}: action needs ${what}`);
  return v;
}

function perform(ctx: CacheActionContext, op: CoreOp): void {
  if (op.kind === 'store') ctx.rec.data = op.value;
  ctx.effects.push({ kind: 'perform', op, line: ctx.line, value: ctx.rec.data, delayPs: ctx.hitLatencyPs });
}

/** Implementations of every `CacheAction`. */
export const CACHE_ACTIONS: ActionImpls<CacheAction, CacheActionContext> = {
  issueGetS: (ctx) => {
    ctx.rec.op = need(ctx.op, 'a core op', ctx);
    send(ctx, 'GetS', ctx.home, ctx.self);
  },
  issueGetM: (ctx) => {
    ctx.rec.op = need(ctx.op, 'a core op', ctx);
    ctx.rec.acksNeeded = undefined;
    ctx.rec.acksReceived = 0;
    send(ctx, 'GetM', ctx.home, ctx.self);
  },
  issuePutS: (ctx) => send(ctx, 'PutS', ctx.home, ctx.self),
  issuePutE: (ctx) => send(ctx, 'PutE', ctx.home, ctx.self),
  issuePutM: (ctx) => send(ctx, 'PutM', ctx.home, ctx.self),
  hit: (ctx) => perform(ctx, need(ctx.op, 'a core op', ctx)),
  completeMiss: (ctx) => {
    perform(ctx, need(ctx.rec.op, 'a pending op', ctx));
    ctx.rec.op = undefined;
    ctx.rec.acksNeeded = undefined;
    ctx.rec.acksReceived = 0;
  },
  copyData: (ctx) => {
    ctx.rec.data = need(ctx.msg, 'a message', ctx).data;
  },
  setAcksNeeded: (ctx) => {
    ctx.rec.acksNeeded = need(ctx.msg, 'a message', ctx).ackCount;
  },
  countAck: (ctx) => {
    ctx.rec.acksReceived++;
  },
  sendDataToRequester: (ctx) => {
    const msg = need(ctx.msg, 'a message', ctx);
    send(ctx, 'Data', msg.requester, msg.requester, msg.ackCount);
  },
  sendInvAck: (ctx) => {
    const msg = need(ctx.msg, 'a message', ctx);
    send(ctx, 'InvAck', msg.requester, msg.requester);
  },
  deallocateTbe: () => {},
  stall: () => {},
};
