/**
 * The coherence effect executor of one node: its cache controller (agent
 * side) and the directory of its memory (home side), and the one place where
 * their effects are performed. Controllers are pure (xstate-style: a step
 * returns `[transitions, effects]`); this class performs them, in order:
 *  - each cache transition's permission (from its state spec) is recorded in
 *    the checks before that transition's own effects, so an op performs under
 *    the permission its transition granted, and a permission is given up
 *    before the message that lets another cache gain one leaves;
 *  - `send` effects go to the `Network` at now + their delay;
 *  - `perform` effects are checked (store / load) at once, and the op's
 *    callback runs after the effect's latency;
 *  - the directory's `recalled` effect completes the oldest recall of the line.
 * Every load, store, recall and writeback (an evicted line's Put in flight)
 * is a transaction of the injected watchdog.
 *
 * Where it runs is injected (`CoherenceHost`, coherence-host.ts):
 * `CoherentSystem` runs one per node over its own event queue and
 * `DeterministicNetwork`; a node worker (`CoherentNode` in @cdmsim/platform)
 * runs one over its kernel and the bus.
 * This is the gem5 Ruby split: the SLICC controllers decide, the
 * `AbstractController` wakeup loop and the message buffers carry it out.
 */
import type { NodeId, Ps } from '@cdmsim/engine';
import type { CacheSpec, Topology } from '@cdmsim/config';
import type { ProtocolTables } from './broken-protocols.js';
import type { CacheEffect, CoreOp } from './cache-actions.js';
import { CacheController, type TransitionRecord } from './cache-controller.js';
import { STABLE_CACHE_STATES, cachePermission } from './cache-states.js';
import type { CoherenceHost, LineMemory } from './coherence-host.js';
import type { DirEffect } from './directory-actions.js';
import { DirectoryController } from './directory-controller.js';
import { STABLE_DIR_STATES } from './directory-states.js';
import type { CoherenceMsg, LineAddr } from './messages.js';
import { formatLine } from './table.js';

/** Why an access was refused (an expected outcome, returned as a value): CPUs never cache device-private memory. */
export type AccessRefusal = 'device-private-memory';

/** What one node's executor is built from. */
export interface NodeCoherenceOptions {
  readonly node: NodeId;
  /** The machine: node kinds (refusals), names (reports) and this node's memory latency. */
  readonly topology: Topology;
  /** Returns the home node (directory) of a line. */
  readonly homeOf: (line: LineAddr) => NodeId;
  /** This node's cache; default the topology's. Every cache of a machine has the same line size. */
  readonly cache?: CacheSpec;
  /** Protocol tables; absent = the correct ones. */
  readonly tables?: ProtocolTables;
  /**
   * The memory of this node's directory when it lives outside it (default:
   * the directory keeps the values, starting at 0); a line that enters the
   * protocol starts its coherence order, in the checks, at memory's value then.
   */
  readonly memory?: LineMemory;
}

/** An op waiting for its `perform` effect: its callback and its watchdog transaction. */
interface PendingOp {
  readonly done: (value: number, atPs: Ps) => void;
  readonly txn: number;
}

/** One node's cache and directory, and the executor of their effects. Single-threaded. */
export class NodeCoherence {
  /** This node's cache controller (read it for inspection; drive it through this class). */
  readonly cache: CacheController;
  /** The directory of this node's memory. */
  readonly directory: DirectoryController;
  readonly #node: NodeId;
  readonly #topology: Topology;
  readonly #homeOf: (line: LineAddr) => NodeId;
  readonly #host: CoherenceHost;
  readonly #opDone = new Map<number, PendingOp>();
  /** Completions waiting for the directory's `recalled` effect, per line, oldest first. */
  readonly #recalls = new Map<LineAddr, (() => void)[]>();
  /** Watchdog transaction of each line being written back (evicted, Put in flight). */
  readonly #writebacks = new Map<LineAddr, number>();
  /** Callers waiting for the writebacks of some lines to complete (`whenWritebacksDone`). */
  #writebackWaiters: { readonly lines: Set<LineAddr>; readonly done: () => void }[] = [];
  #nextOp = 1;

  /** Builds the node's controllers. Nothing is scheduled or sent until a call or a message. */
  constructor(opts: NodeCoherenceOptions, host: CoherenceHost) {
    this.#node = opts.node;
    this.#topology = opts.topology;
    this.#homeOf = opts.homeOf;
    this.#host = host;
    const spec = opts.topology.nodes[opts.node]!;
    const cache = opts.cache ?? spec.cache;
    const tables = opts.tables ?? {};
    this.cache = new CacheController({ node: opts.node, spec: cache, homeOf: opts.homeOf, ...(tables.cacheTable ? { table: tables.cacheTable } : {}) });
    const memory = opts.memory;
    const track = host.checks.trackLine?.bind(host.checks);
    this.directory = new DirectoryController({
      node: opts.node,
      lineBytes: cache.lineBytes,
      memoryLatencyPs: spec.memory.latencyPs,
      ...(tables.directoryTable ? { table: tables.directoryTable } : {}),
      ...(memory
        ? {
            initialValue: (l: LineAddr) => memory.read(l),
            writeMemory: (l: LineAddr, v: number) => memory.write(l, v),
            ...(track ? { onTrack: track } : {}),
          }
        : {}),
    });
  }

  /** Returns true when `line` is homed in memory this node may not cache (a CPU and device-private memory). */
  refuses(line: LineAddr): boolean {
    const home = this.#topology.nodes[this.#homeOf(line)]!;
    return this.#topology.nodes[this.#node]!.kind === 'cpu' && home.kind === 'gpu' && home.memory.kind === 'private';
  }

  /** Issues a load; `done(value, atPs)` runs when it completes. Returns a refusal instead for device-private memory on a CPU. */
  load(line: LineAddr, done: (value: number, atPs: Ps) => void): AccessRefusal | undefined {
    return this.#access(line, { id: this.#nextOp++, kind: 'load', value: 0 }, done);
  }

  /** Issues a store of `value`; `done` runs when it completes. Same refusal as `load`. */
  store(line: LineAddr, value: number, done: (value: number, atPs: Ps) => void): AccessRefusal | undefined {
    return this.#access(line, { id: this.#nextOp++, kind: 'store', value }, done);
  }

  /**
   * Recalls `line` at this node's directory (the page-flush path: dirty data
   * home, every copy invalidated); `done` runs once memory holds the last
   * store's value, which the checks verify. Callers must be the line's home.
   */
  recall(line: LineAddr, done: () => void): void {
    const txn = this.#host.watchdog.begin(() => `recall of ${formatLine(line)} (${this.lineStates(line)})`);
    let q = this.#recalls.get(line);
    if (!q) this.#recalls.set(line, (q = []));
    q.push(() => {
      this.#host.watchdog.end(txn);
      this.#host.checks.checkMemory(line, this.directory.entryOf(line).memory);
      done();
    });
    const step = this.directory.recall(line);
    this.#applyDir(step.effects, step.transitions);
  }

  /**
   * Hands an arriving message to the controller it names.
   * @throws ProtocolViolation when that controller's table has no row for it; InvariantViolation from the checks.
   */
  receive(msg: CoherenceMsg): void {
    if (msg.dst.unit === 'cache') {
      const step = this.cache.receive(msg);
      this.#applyCache(step.effects, step.transitions);
    } else {
      const step = this.directory.receive(msg);
      this.#applyDir(step.effects, step.transitions);
    }
  }

  /**
   * Calls `done` once no writeback (Put) of this node's cache to a line of
   * [first, first + bytes) is in flight: at once when none is, else when
   * the last of them got its PutAck (the home has written memory by then).
   * Returns true when `done` ran at once.
   */
  whenWritebacksDone(first: LineAddr, bytes: number, done: () => void): boolean {
    const lines = new Set([...this.#writebacks.keys()].filter((l) => l >= first && l < first + bytes));
    if (lines.size > 0) {
      this.#writebackWaiters.push({ lines, done });
      return false;
    }
    done();
    return true;
  }

  /** Returns the states of `line` here: the cache's, and the directory's when this node is its home (for reports). */
  lineStates(line: LineAddr): string {
    const names = this.#topology.nodes;
    const stalled = (n: number | undefined): string => (n ? `, ${n} stalled` : '');
    const cache = `cache ${this.cache.stateOf(line)}${stalled(this.cache.stalledOf(line))}`;
    if (this.#homeOf(line) !== this.#node) return cache;
    const d = this.directory.entryOf(line);
    const owner = d.owner === undefined ? '' : ` owner ${names[d.owner]!.name}`;
    return `${cache}; directory ${d.state}${owner} sharers [${d.sharers.map((s) => names[s]!.name).join(', ')}]${stalled(this.directory.stalledOf(line))}`;
  }

  /** Returns one line per cache or directory line of this node in a transient state or with stalled events (deadlock reports); empty when none. */
  describe(): string[] {
    const name = this.#topology.nodes[this.#node]!.name;
    const out: string[] = [];
    const stalled = (n: number | undefined): string => (n ? ` (${n} stalled)` : '');
    const c = this.cache.snapshot();
    for (const [l, st] of c.lines) if (!STABLE_CACHE_STATES.has(st) || c.stalled.has(l)) out.push(`cache@${name} ${formatLine(l)} ${st}${stalled(c.stalled.get(l))}`);
    if (c.waitingForWay > 0) out.push(`cache@${name}: ${c.waitingForWay} op(s) waiting for a way`);
    const d = this.directory.snapshot();
    for (const [l, st] of d.lines) if (!STABLE_DIR_STATES.has(st) || d.stalled.has(l)) out.push(`dir@${name} ${formatLine(l)} ${st}${stalled(d.stalled.get(l))}`);
    return out;
  }

  #access(line: LineAddr, op: CoreOp, done: (value: number, atPs: Ps) => void): AccessRefusal | undefined {
    if (this.refuses(line)) return 'device-private-memory';
    const txn = this.#host.watchdog.begin(() => `${op.kind} of ${formatLine(line)} (${this.lineStates(line)})`);
    this.#opDone.set(op.id, { done, txn });
    const step = this.cache.coreRequest(op, line);
    this.#applyCache(step.effects, step.transitions);
    return undefined;
  }

  #applyCache(effects: readonly CacheEffect[], transitions: readonly TransitionRecord[]): void {
    const host = this.#host;
    let next = 0;
    for (const t of transitions) {
      host.onTransition?.(t, this.cache.self);
      this.#trackWriteback(t);
      host.checks.setPermission(this.#node, t.line, cachePermission(t.to), host.nowPs());
      for (; next < t.effectsEnd; next++) this.#performCache(effects[next]!);
    }
    for (; next < effects.length; next++) this.#performCache(effects[next]!);
    this.#wakeWritebackWaiters();
  }

  #performCache(e: CacheEffect): void {
    const host = this.#host;
    if (e.kind === 'send') {
      host.network.send(e.msg, host.nowPs() + e.delayPs);
      return;
    }
    if (e.op.kind === 'store') host.checks.onStore(this.#node, e.line, e.value, host.nowPs());
    else host.checks.onLoad(this.#node, e.line, e.value, host.nowPs());
    const pending = this.#opDone.get(e.op.id);
    this.#opDone.delete(e.op.id);
    const value = e.value;
    host.after(e.delayPs, () => {
      if (pending === undefined) return;
      host.watchdog.end(pending.txn);
      pending.done(value, host.nowPs());
    });
  }

  /** A replacement opens a writeback transaction for its victim; the line reaching I closes it. */
  #trackWriteback(t: TransitionRecord): void {
    if (t.event === 'Replacement') {
      const line = t.line;
      this.#writebacks.set(line, this.#host.watchdog.begin(() => `writeback of ${formatLine(line)} (${this.lineStates(line)})`));
    } else if (t.to === 'I') {
      const txn = this.#writebacks.get(t.line);
      if (txn === undefined) return;
      this.#writebacks.delete(t.line);
      this.#host.watchdog.end(txn);
      for (const w of this.#writebackWaiters) w.lines.delete(t.line);
    }
  }

  #wakeWritebackWaiters(): void {
    if (this.#writebackWaiters.length === 0) return;
    const ready = this.#writebackWaiters.filter((w) => w.lines.size === 0);
    if (ready.length === 0) return;
    this.#writebackWaiters = this.#writebackWaiters.filter((w) => w.lines.size > 0);
    for (const w of ready) w.done();
  }

  #applyDir(effects: readonly DirEffect[], transitions: readonly TransitionRecord[]): void {
    const host = this.#host;
    if (host.onTransition) for (const t of transitions) host.onTransition(t, this.directory.self);
    for (const e of effects) {
      if (e.kind === 'send') host.network.send(e.msg, host.nowPs() + e.delayPs);
      else this.#recalls.get(e.line)?.shift()?.();
    }
  }
}
