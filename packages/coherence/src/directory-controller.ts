/**
 * The directory controller of one home agent (a CPU node for its DRAM, a
 * device for its public memory). Its in-port classifies requests by owner and
 * sharer list; the table decides; the controller commits the entry and
 * returns effects. `recall(line)` is the memory-management entry point used by
 * page flush / invalidate: it completes (a `recalled` effect) only when every
 * cached copy is gone and the last written data is in memory.
 */
import { ProtocolViolation, type NodeId, type Ps } from '@cdmsim/engine';
import { DIR_ACTIONS, type DirActionContext, type DirEffect, type DirLineRecord } from './directory-actions.js';
import type { DirEvent, DirState } from './directory-states.js';
import { DIRECTORY_TABLE, type DirAction } from './directory-table.js';
import { stallSourceKey, type CoherenceMsg, type Endpoint, type LineAddr } from './messages.js';
import { StallBuffer } from './stall-buffer.js';
import { TableIndex, fire, formatLine, type ProtocolTable } from './table.js';
import type { TransitionRecord } from './cache-controller.js';

/** What one call into the directory produced. */
export interface DirStep {
  readonly effects: DirEffect[];
  readonly transitions: TransitionRecord[];
}

/** Construction options of a directory. */
export interface DirectoryControllerOptions {
  readonly node: NodeId;
  readonly lineBytes: number;
  /** Memory access latency, charged before data leaves memory. */
  readonly memoryLatencyPs: Ps;
  /** The protocol table; defaults to `DIRECTORY_TABLE`. */
  readonly table?: ProtocolTable<DirState, DirEvent, DirAction>;
  /** Initial memory value of a line never written (default 0); with `writeMemory`, the memory this directory is the home of. */
  readonly initialValue?: (line: LineAddr) => number;
  /** Called when a writeback or owner data changes memory's value of a line (memory that lives outside the directory). */
  readonly writeMemory?: (line: LineAddr, value: number) => void;
  /** Called when a line gets an entry (its first transition since it was forgotten), with memory's value then. */
  readonly onTrack?: (line: LineAddr, memory: number) => void;
}

type Pending = { kind: 'recall' } | { kind: 'msg'; msg: CoherenceMsg };

const RECALL_SOURCE = -1;

/** A directory controller. Single-threaded; every call returns the effects to perform. */
export class DirectoryController {
  readonly self: Endpoint;
  readonly #opts: DirectoryControllerOptions;
  readonly #index: TableIndex<DirState, DirEvent, DirAction>;
  readonly #lines = new Map<LineAddr, DirLineRecord>();
  readonly #stalls = new StallBuffer<Pending>();

  constructor(opts: DirectoryControllerOptions) {
    this.self = { node: opts.node, unit: 'dir' };
    this.#opts = opts;
    this.#index = new TableIndex(opts.table ?? DIRECTORY_TABLE);
  }

  /** Returns a copy of the line's entry (a fresh I entry when never touched). */
  entryOf(line: LineAddr): Readonly<DirLineRecord> {
    const r = this.#lines.get(line);
    return r ? { ...r, sharers: [...r.sharers] } : this.#fresh(line);
  }

  /** Returns every line in a non-I state, and stalled-event counts per line. */
  snapshot(): { lines: [LineAddr, DirState][]; stalled: Map<LineAddr, number> } {
    return { lines: [...this.#lines].filter(([, r]) => r.state !== 'I').map(([l, r]) => [l, r.state]), stalled: this.#stalls.counts() };
  }

  /** Returns the number of stalled events of `line`. */
  stalledOf(line: LineAddr): number {
    return this.#stalls.countOf(line);
  }

  /** Returns the lines of [first, first + bytes) this directory has an entry for, in address order (the lines a page recall must reach). */
  knownLinesIn(first: LineAddr, bytes: number): LineAddr[] {
    const out: LineAddr[] = [];
    for (let l = first; l < first + bytes; l += this.#opts.lineBytes) if (this.#lines.has(l)) out.push(l);
    return out;
  }

  /**
   * Drops the entry of a recalled line whose frame was freed: the frame's
   * next use starts from memory value 0, as a freed frame reads as zeroes.
   * Returns false (and keeps the entry) unless the line is in I with no
   * stalled event — a caller must recall it first.
   */
  forget(line: LineAddr): boolean {
    const r = this.#lines.get(line);
    if (!r) return true;
    if (r.state !== 'I' || this.#stalls.countOf(line) > 0) return false;
    this.#lines.delete(line);
    return true;
  }

  /** Starts a recall of `line` (flush dirty data home, invalidate every copy). A `recalled` effect reports completion. */
  recall(line: LineAddr): DirStep {
    const step: DirStep = { effects: [], transitions: [] };
    if (this.#stalls.hasFrom(line, RECALL_SOURCE) || !this.#fireAndWake(line, 'Recall', undefined, this.#recordOf(line), step)) this.#stalls.push(line, RECALL_SOURCE, { kind: 'recall' });
    return step;
  }

  /**
   * Accepts a message addressed to this directory.
   * @throws ProtocolViolation when the table has no row for the line's state and the message's event.
   */
  receive(msg: CoherenceMsg): DirStep {
    const step: DirStep = { effects: [], transitions: [] };
    const source = stallSourceKey(msg);
    if (this.#stalls.hasFrom(msg.line, source) || !this.#tryMsg(msg, step)) this.#stalls.push(msg.line, source, { kind: 'msg', msg });
    return step;
  }

  #fresh(line: LineAddr): DirLineRecord {
    return { state: 'I', owner: undefined, sharers: [], pending: 0, memory: this.#opts.initialValue?.(line) ?? 0 };
  }

  /** In-port: classifies a message into a directory event. */
  #classify(msg: CoherenceMsg, rec: DirLineRecord): DirEvent {
    const req = msg.requester.node;
    switch (msg.type) {
      case 'GetS': return 'GetS';
      case 'GetM': return rec.owner === req ? 'GetMFromOwner' : 'GetM';
      case 'PutS': return rec.sharers.length === 1 && rec.sharers[0] === req ? 'PutSLast' : 'PutS';
      case 'PutM': case 'PutE': return rec.owner === req ? 'PutOwner' : 'PutNonOwner';
      case 'InvAck': return rec.pending === 1 ? 'LastInvAck' : 'InvAck';
      case 'Data': return rec.pending === 1 ? 'LastOwnerData' : 'OwnerData';
      default: throw new ProtocolViolation(DIRECTORY_TABLE.name, rec.state, msg.type, formatLine(msg.line));
    }
  }

  /** Returns the line's entry, or a fresh I entry (not stored) when never touched. */
  #recordOf(line: LineAddr): DirLineRecord {
    return this.#lines.get(line) ?? this.#fresh(line);
  }

  #tryMsg(msg: CoherenceMsg, step: DirStep): boolean {
    const rec = this.#recordOf(msg.line);
    return this.#fireAndWake(msg.line, this.#classify(msg, rec), msg, rec, step);
  }

  /**
   * Fires one event on `old`, the line's entry as just looked up; on success
   * commits the entry and retries what was stalled. Returns false when it
   * stalled. The actions run on a copy, so a stall or a throw leaves the
   * stored entry untouched.
   */
  #fireAndWake(line: LineAddr, event: DirEvent, msg: CoherenceMsg | undefined, old: DirLineRecord, step: DirStep): boolean {
    const rec: DirLineRecord = { ...old, sharers: [...old.sharers] };
    const ctx: DirActionContext = { line, self: this.self, lineBytes: this.#opts.lineBytes, memoryLatencyPs: this.#opts.memoryLatencyPs, msg, rec, effects: step.effects };
    const memoryBefore = rec.memory;
    const from = rec.state;
    const to = fire(this.#index, DIR_ACTIONS, from, event, line, ctx);
    if (to === 'stall') return false;
    rec.state = to;
    if (this.#opts.onTrack !== undefined && !this.#lines.has(line)) this.#opts.onTrack(line, memoryBefore);
    this.#lines.set(line, rec);
    if (rec.memory !== memoryBefore) this.#opts.writeMemory?.(line, rec.memory);
    step.transitions.push({ line, from, event, to, effectsEnd: step.effects.length });
    this.#stalls.retry(line, (p) => (p.kind === 'recall' ? this.#fireAndWake(line, 'Recall', undefined, this.#recordOf(line), step) : this.#tryMsg(p.msg, step)));
    return true;
  }
}
