/**
 * The cache controller of one agent (a CPU node's cache or a device's cache).
 * Its ports only classify: an agent operation or an incoming message becomes
 * an event; the table decides; `fire` runs the actions on a copy of the line's
 * record; the controller commits the record (tag array, writeback TBE or
 * nothing, by state) and returns the effects for the executor.
 */
import { ProtocolViolation, type NodeId } from '@cdmsim/engine';
import type { CacheSpec } from '@cdmsim/config';
import { CacheArray } from './cache-array.js';
import { CACHE_ACTIONS, type CacheActionContext, type CacheEffect, type CacheLineRecord, type CoreOp } from './cache-actions.js';
import { DATA_VALID_STATES, PUT_PENDING_STATES, REPLACEABLE_CACHE_STATES, type CacheEvent, type CacheState } from './cache-states.js';
import { CACHE_TABLE, type CacheAction } from './cache-table.js';
import { stallSourceKey, type CoherenceMsg, type Endpoint, type LineAddr } from './messages.js';
import { TableIndex, fire, formatLine, type ProtocolTable } from './table.js';
import { StallBuffer } from './stall-buffer.js';

/** One transition that happened, for monitors and traces. */
export interface TransitionRecord {
  readonly line: LineAddr;
  readonly from: string;
  readonly event: string;
  readonly to: string;
  /** Index in the step's effect list just past this transition's effects. */
  readonly effectsEnd: number;
}

/** What one call into a controller produced. */
export interface CacheStep {
  readonly effects: CacheEffect[];
  readonly transitions: TransitionRecord[];
}

/** Construction options of a cache controller. */
export interface CacheControllerOptions {
  readonly node: NodeId;
  readonly spec: CacheSpec;
  /** Returns the home node (directory) of a line. */
  readonly homeOf: (line: LineAddr) => NodeId;
  /** The protocol table; defaults to `CACHE_TABLE` (tests pass broken variants). */
  readonly table?: ProtocolTable<CacheState, CacheEvent, CacheAction>;
}

type Pending = { kind: 'core'; op: CoreOp; line: LineAddr } | { kind: 'msg'; msg: CoherenceMsg };

const CORE_SOURCE = -1;

/** A cache controller. Single-threaded; every call returns the effects to perform. */
export class CacheController {
  readonly self: Endpoint;
  readonly #spec: CacheSpec;
  readonly #homeOf: (line: LineAddr) => NodeId;
  readonly #index: TableIndex<CacheState, CacheEvent, CacheAction>;
  readonly #array: CacheArray<CacheLineRecord>;
  /** Writeback TBEs: lines evicted with a Put in flight. */
  readonly #tbes = new Map<LineAddr, CacheLineRecord>();
  readonly #stalls = new StallBuffer<Pending>();
  /** Agent ops waiting for a way in a set full of busy lines. */
  readonly #waitingForWay: { op: CoreOp; line: LineAddr }[] = [];

  constructor(opts: CacheControllerOptions) {
    this.self = { node: opts.node, unit: 'cache' };
    this.#spec = opts.spec;
    this.#homeOf = opts.homeOf;
    this.#index = new TableIndex(opts.table ?? CACHE_TABLE);
    this.#array = new CacheArray(opts.spec);
  }

  /** Returns the line's state (I when neither cached nor being written back). */
  stateOf(line: LineAddr): CacheState {
    return this.#recordOf(line)?.state ?? 'I';
  }

  /** Returns the data this cache holds for `line` when its state has valid data (DATA_VALID_STATES), else undefined. */
  dataOf(line: LineAddr): number | undefined {
    const r = this.#recordOf(line);
    return r && DATA_VALID_STATES.has(r.state) ? r.data : undefined;
  }

  /** Returns the number of stalled events of `line`. */
  stalledOf(line: LineAddr): number {
    return this.#stalls.countOf(line);
  }

  /** Returns every line not in I with its state, and the number of stalled events per line. */
  snapshot(): { lines: [LineAddr, CacheState][]; stalled: Map<LineAddr, number>; waitingForWay: number } {
    const lines: [LineAddr, CacheState][] = [...this.#array.entries(), ...this.#tbes].map(([l, r]) => [l, r.state]);
    return { lines, stalled: this.#stalls.counts(), waitingForWay: this.#waitingForWay.length };
  }

  /** Accepts an agent load/store of `line`. The `perform` effect (now or later) completes it. */
  coreRequest(op: CoreOp, line: LineAddr): CacheStep {
    const step: CacheStep = { effects: [], transitions: [] };
    if (this.#stalls.hasFrom(line, CORE_SOURCE)) this.#stalls.push(line, CORE_SOURCE, { kind: 'core', op, line });
    else if (!this.#tryCore(op, line, step)) this.#stalls.push(line, CORE_SOURCE, { kind: 'core', op, line });
    return step;
  }

  /**
   * Accepts a message addressed to this cache.
   * @throws ProtocolViolation when the table has no row for the line's state and the message's event.
   */
  receive(msg: CoherenceMsg): CacheStep {
    const step: CacheStep = { effects: [], transitions: [] };
    const source = stallSourceKey(msg);
    if (this.#stalls.hasFrom(msg.line, source) || !this.#tryMsg(msg, step)) this.#stalls.push(msg.line, source, { kind: 'msg', msg });
    return step;
  }

  /** In-port: classifies a message into a cache event. */
  #classify(msg: CoherenceMsg, rec: CacheLineRecord | undefined): CacheEvent {
    const received = rec?.acksReceived ?? 0;
    switch (msg.type) {
      case 'FwdGetS': case 'FwdGetM': case 'Inv': case 'PutAck': return msg.type;
      case 'Data': return msg.ackCount - received === 0 ? 'DataAllAcks' : 'Data';
      case 'DataE': return 'DataExclusive';
      case 'AckCount': return msg.ackCount - received === 0 ? 'AckCountAllAcks' : 'AckCount';
      case 'InvAck': return rec?.acksNeeded !== undefined && received + 1 === rec.acksNeeded ? 'LastInvAck' : 'InvAck';
      default: throw new ProtocolViolation(CACHE_TABLE.name, rec?.state ?? 'I', msg.type, formatLine(msg.line));
    }
  }

  /** Returns the line's committed record (tag array or writeback TBE), or undefined in I. */
  #recordOf(line: LineAddr): CacheLineRecord | undefined {
    return this.#array.get(line) ?? this.#tbes.get(line);
  }

  #tryMsg(msg: CoherenceMsg, step: CacheStep): boolean {
    const rec = this.#recordOf(msg.line);
    return this.#fireAndWake(msg.line, this.#classify(msg, rec), msg, undefined, rec, step);
  }

  #tryCore(op: CoreOp, line: LineAddr, step: CacheStep): boolean {
    let rec = this.#recordOf(line);
    if ((rec?.state ?? 'I') === 'I' && !this.#array.hasRoom(line)) {
      const victim = this.#array.victim(line, (r) => REPLACEABLE_CACHE_STATES.has(r.state));
      if (victim === undefined) {
        // Every way is busy with a miss: retry when any line of this cache settles.
        this.#waitingForWay.push({ op, line });
        return true;
      }
      this.#fireAndWake(victim, 'Replacement', undefined, undefined, this.#recordOf(victim), step);
      // The victim's wake-ups may have run ops of this line: look it up again.
      rec = this.#recordOf(line);
    }
    const ok = this.#fireAndWake(line, op.kind === 'load' ? 'Load' : 'Store', undefined, op, rec, step);
    if (ok) this.#array.touch(line);
    return ok;
  }

  /**
   * Fires one event on `old`, the line's committed record as just looked up
   * (undefined in I); on success commits the record and retries what was
   * stalled. Returns false when it stalled. The actions run on a copy, so a
   * stall or a throw leaves the committed record untouched.
   */
  #fireAndWake(line: LineAddr, event: CacheEvent, msg: CoherenceMsg | undefined, op: CoreOp | undefined, old: CacheLineRecord | undefined, step: CacheStep): boolean {
    const rec: CacheLineRecord = old ? { ...old } : { state: 'I', data: 0, acksNeeded: undefined, acksReceived: 0, op: undefined };
    const ctx: CacheActionContext = {
      line,
      self: this.self,
      home: { node: this.#homeOf(line), unit: 'dir' },
      lineBytes: this.#spec.lineBytes,
      hitLatencyPs: this.#spec.hitLatencyPs,
      msg,
      op,
      rec,
      effects: step.effects,
    };
    const from = rec.state;
    const to = fire(this.#index, CACHE_ACTIONS, from, event, line, ctx);
    if (to === 'stall') return false;
    rec.state = to;
    this.#commit(line, rec);
    step.transitions.push({ line, from, event, to, effectsEnd: step.effects.length });
    this.#stalls.retry(line, (p) => (p.kind === 'core' ? this.#tryCore(p.op, p.line, step) : this.#tryMsg(p.msg, step)));
    if (this.#waitingForWay.length > 0 && from !== to) {
      const waiting = this.#waitingForWay.splice(0);
      for (const w of waiting) if (!this.#tryCore(w.op, w.line, step)) this.#stalls.push(w.line, CORE_SOURCE, { kind: 'core', ...w });
    }
    return true;
  }

  #commit(line: LineAddr, rec: CacheLineRecord): void {
    if (rec.state === 'I') {
      this.#array.remove(line);
      this.#tbes.delete(line);
    } else if (PUT_PENDING_STATES.has(rec.state)) {
      this.#array.remove(line);
      this.#tbes.set(line, rec);
    } else if (this.#array.get(line) !== undefined) {
      this.#array.replace(line, rec);
    } else {
      this.#array.insert(line, rec);
    }
  }
}
