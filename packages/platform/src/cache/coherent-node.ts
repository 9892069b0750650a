/**
 * One node's part of the coherence protocol on the real simulator: its cache
 * controller (agent side) and the directory of its memory (home side), both
 * the pure controllers of @cdmsim/coherence. Messages go out as `coh`
 * envelopes through `BusNetwork`; arriving ones go to the controller they
 * name. Effects are applied as the in-process executor (`CoherentSystem`)
 * applies them: each transition's permission is recorded before its own
 * effects, sends leave after their delay, and an operation's completion
 * runs after its latency. Every load, store, recall and writeback is a
 * transaction of the node's watchdog (`NodeWatchdog`), which reports one
 * that makes no progress, with the states of its line.
 */
import type { NodeId, Ps } from '@cdmsim/engine';
import {
  CACHE_STATES,
  CacheController,
  DirectoryController,
  type AccessPermission,
  type CacheEffect,
  type CoherenceMsg,
  type CoreOp,
  type DirEffect,
  formatLine,
  type LineAddr,
  type MsgType,
  type ProtocolTables,
  type TransitionRecord,
} from '@cdmsim/coherence';
import type { CacheSpec } from '@cdmsim/config';
import type { NodeKernel } from '@cdmsim/kernel';
import { BusNetwork } from './bus-network.js';
import { fromProto } from './coh-codec.js';
import type { CrossWorkerMonitor } from './cross-worker-monitor.js';
import type { LineIndex } from './line-index.js';
import { NodeWatchdog, type NodeWatchdogOptions } from './node-watchdog.js';

const PERMISSION = new Map<string, AccessPermission>(CACHE_STATES.map((s) => [s.name, s.permission]));
const STABLE_CACHE_STATES: ReadonlySet<string> = new Set(['I', 'S', 'E', 'O', 'M']);
const STABLE_DIR_STATES: ReadonlySet<string> = new Set(['I', 'S', 'EM', 'O']);

/** Why an access was refused (an expected outcome): CPUs never cache device-private memory. */
export type CoherentAccessRefusal = 'device-private-memory';

/** Counters of one node's coherence traffic (plain data). */
export interface CoherenceTrafficStats {
  messagesSent: number;
  messagesReceived: number;
  payloadBytesSent: number;
  sentByType: Partial<Record<MsgType, number>>;
  receivedByType: Partial<Record<MsgType, number>>;
}

/**
 * The memory a directory is the home of, when it lives outside the
 * directory (the shared page contents): the directory reads a line's value
 * when the line enters the protocol and writes every value a writeback or
 * owner data brings home.
 */
export interface LineMemory {
  /** Returns memory's value of `line`. */
  read(line: LineAddr): number;
  /** Stores `value` as memory's value of `line`. */
  write(line: LineAddr, value: number): void;
}

/** The cache and directory of one node, wired to the bus and the cross-worker monitor. */
export class CoherentNode {
  readonly #kernel: NodeKernel;
  readonly #cache: CacheController;
  readonly #dir: DirectoryController;
  readonly #network: BusNetwork;
  readonly #monitor: CrossWorkerMonitor;
  readonly #lines: LineIndex;
  readonly #opDone = new Map<number, { readonly done: (value: number) => void; readonly txn: number }>();
  readonly #recalls = new Map<LineAddr, (() => void)[]>();
  readonly #watchdog: NodeWatchdog;
  /** Watchdog transaction of each line being written back (evicted, Put in flight). */
  readonly #writebacks = new Map<LineAddr, number>();
  /** Callers waiting for the writebacks of some lines to complete (`whenWritebacksDone`). */
  #writebackWaiters: { readonly lines: Set<LineAddr>; readonly done: () => void }[] = [];
  readonly #receivedByType: Partial<Record<MsgType, number>> = {};
  #received = 0;
  #nextOp = 1;

  /**
   * Registers the `coh` handler on `kernel`. Every cache of the machine must
   * have the same line size (validated by the config). `cache` defaults to
   * the node's cache (see `shrunkCacheSpec` for a shrunk one). `watchdog`
   * says when a transaction counts as stuck (see `watchdogOptions`).
   * `memory`: the memory of this node's directory when it lives outside it
   * (default: the directory keeps the values, starting at 0); a line that
   * enters the protocol starts its coherence order, in the monitor, at
   * memory's value then.
   */
  constructor(kernel: NodeKernel, lines: LineIndex, monitor: CrossWorkerMonitor, watchdog: NodeWatchdogOptions, tables: ProtocolTables = {}, cache: CacheSpec = kernel.spec.cache, memory?: LineMemory) {
    this.#kernel = kernel;
    this.#lines = lines;
    this.#monitor = monitor;
    const spec = kernel.spec;
    this.#cache = new CacheController({ node: kernel.self, spec: cache, homeOf: (l) => lines.homeOf(l), ...(tables.cacheTable ? { table: tables.cacheTable } : {}) });
    this.#dir = new DirectoryController({
      node: kernel.self,
      lineBytes: cache.lineBytes,
      memoryLatencyPs: spec.memory.latencyPs,
      ...(tables.directoryTable ? { table: tables.directoryTable } : {}),
      ...(memory
        ? {
            initialValue: (l: LineAddr) => memory.read(l),
            writeMemory: (l: LineAddr, v: number) => memory.write(l, v),
            onTrack: (l: LineAddr, v: number) => monitor.trackLine(l, v),
          }
        : {}),
    });
    this.#watchdog = new NodeWatchdog(kernel, watchdog, () => this.#describe());
    this.#network = new BusNetwork(kernel, (msg) => this.#receive(msg));
    kernel.on('coh', (env) => this.#receive(fromProto(env.coh!)));
  }

  /** Returns this node's coherence traffic counters. */
  traffic(): CoherenceTrafficStats {
    const sent = Object.values(this.#network.sentByType).reduce((a, b) => a + b, 0);
    return {
      messagesSent: sent,
      messagesReceived: this.#received,
      payloadBytesSent: this.#network.payloadBytes,
      sentByType: { ...this.#network.sentByType },
      receivedByType: { ...this.#receivedByType },
    };
  }

  /** Returns the lines of [first, first + bytes) that this node's directory has an entry for (the lines a recall must reach). */
  knownLinesIn(first: LineAddr, bytes: number): LineAddr[] {
    return this.#dir.knownLinesIn(first, bytes);
  }

  /** Returns the data this node's cache holds for `line` when it holds valid data (`CacheController.dataOf`). */
  cachedData(line: LineAddr): number | undefined {
    return this.#cache.dataOf(line);
  }

  /** Drops this directory's entry of a recalled line of a freed frame; false (entry kept) when the line is busy again. */
  forget(line: LineAddr): boolean {
    return this.#dir.forget(line);
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

  /** Returns true when `line` is homed in memory this node may not cache (a CPU and device-private memory). */
  refuses(line: LineAddr): boolean {
    const home = this.#kernel.topology.nodes[this.#lines.homeOf(line)]!;
    return this.#kernel.spec.kind === 'cpu' && home.kind === 'gpu' && home.memory.kind === 'private';
  }

  /** Issues a load; `done(value)` runs when it completes. Returns a refusal instead for device-private memory on a CPU. */
  load(line: LineAddr, done: (value: number) => void): CoherentAccessRefusal | undefined {
    return this.#access(line, { id: this.#nextOp++, kind: 'load', value: 0 }, done);
  }

  /** Issues a store of `value`; `done` runs when it completes. Same refusal as `load`. */
  store(line: LineAddr, value: number, done: (value: number) => void): CoherentAccessRefusal | undefined {
    return this.#access(line, { id: this.#nextOp++, kind: 'store', value }, done);
  }

  /**
   * Recalls `line` at this node's directory (the page-flush path: dirty data
   * home, every copy invalidated); `done` runs once memory holds the last
   * store's value, which the monitor checks. Callers must be the line's home.
   */
  recall(line: LineAddr, done: () => void): void {
    const txn = this.#watchdog.begin(() => `recall of ${formatLine(line)} (${this.#lineStates(line)})`);
    let q = this.#recalls.get(line);
    if (!q) this.#recalls.set(line, (q = []));
    q.push(() => {
      this.#watchdog.end(txn);
      this.#monitor.checkMemory(line, this.#dir.entryOf(line).memory);
      done();
    });
    this.#applyDir(this.#dir.recall(line).effects);
  }

  /**
   * Checks, once the run is over, that no transaction is left open.
   * @throws DeadlockError (an InvariantViolation with the seed) listing them with their lines' states.
   */
  checkIdle(): void {
    this.#watchdog.checkIdle();
  }

  #access(line: LineAddr, op: CoreOp, done: (value: number) => void): CoherentAccessRefusal | undefined {
    if (this.refuses(line)) return 'device-private-memory';
    const txn = this.#watchdog.begin(() => `${op.kind} of ${formatLine(line)} (${this.#lineStates(line)})`);
    this.#opDone.set(op.id, { done, txn });
    const step = this.#cache.coreRequest(op, line);
    this.#applyCache(step.effects, step.transitions);
    return undefined;
  }

  #receive(msg: CoherenceMsg): void {
    this.#watchdog.onEvent();
    this.#received++;
    this.#receivedByType[msg.type] = (this.#receivedByType[msg.type] ?? 0) + 1;
    if (msg.dst.unit === 'cache') {
      const step = this.#cache.receive(msg);
      this.#applyCache(step.effects, step.transitions);
    } else {
      this.#applyDir(this.#dir.receive(msg).effects);
    }
  }

  #applyCache(effects: readonly CacheEffect[], transitions: readonly TransitionRecord[]): void {
    // Each transition's permission is recorded before its own effects: an op
    // performs under the permission its transition granted, and a permission
    // is given up before the message that lets another cache gain one leaves.
    let next = 0;
    for (const t of transitions) {
      this.#trackWriteback(t);
      this.#monitor.setPermission(this.#kernel.self, t.line, PERMISSION.get(t.to) ?? 'none', this.#kernel.nowPs);
      for (; next < t.effectsEnd; next++) this.#performCache(effects[next]!);
    }
    for (; next < effects.length; next++) this.#performCache(effects[next]!);
    this.#wakeWritebackWaiters();
  }

  #wakeWritebackWaiters(): void {
    if (this.#writebackWaiters.length === 0) return;
    const ready = this.#writebackWaiters.filter((w) => w.lines.size === 0);
    if (ready.length === 0) return;
    this.#writebackWaiters = this.#writebackWaiters.filter((w) => w.lines.size > 0);
    for (const w of ready) w.done();
  }

  #performCache(e: CacheEffect): void {
    if (e.kind === 'send') {
      this.#network.send(e.msg, this.#kernel.nowPs + e.delayPs);
      return;
    }
    const self: NodeId = this.#kernel.self;
    if (e.op.kind === 'store') this.#monitor.onStore(self, e.line, e.value, this.#kernel.nowPs);
    else this.#monitor.onLoad(self, e.line, e.value, this.#kernel.nowPs);
    const pending = this.#opDone.get(e.op.id);
    this.#opDone.delete(e.op.id);
    const value = e.value;
    this.#kernel.after(e.delayPs as Ps, 'coh op done', () => {
      if (pending === undefined) return;
      this.#watchdog.end(pending.txn);
      pending.done(value);
    });
  }

  /** A replacement opens a writeback transaction for its victim; the line reaching I closes it. */
  #trackWriteback(t: TransitionRecord): void {
    if (t.event === 'Replacement') {
      const line = t.line;
      this.#writebacks.set(line, this.#watchdog.begin(() => `writeback of ${formatLine(line)} (${this.#lineStates(line)})`));
    } else if (t.to === 'I') {
      const txn = this.#writebacks.get(t.line);
      if (txn === undefined) return;
      this.#writebacks.delete(t.line);
      this.#watchdog.end(txn);
      for (const w of this.#writebackWaiters) w.lines.delete(t.line);
    }
  }

  /** Returns the states of `line` here: the cache's, and the directory's when this node is its home. */
  #lineStates(line: LineAddr): string {
    const names = this.#kernel.topology.nodes;
    const stalled = (n: number | undefined): string => (n ? `, ${n} stalled` : '');
    const cache = `cache ${this.#cache.stateOf(line)}${stalled(this.#cache.stalledOf(line))}`;
    if (this.#lines.homeOf(line) !== this.#kernel.self) return cache;
    const d = this.#dir.entryOf(line);
    const owner = d.owner === undefined ? '' : ` owner ${names[d.owner]!.name}`;
    return `${cache}; directory ${d.state}${owner} sharers [${d.sharers.map((s) => names[s]!.name).join(', ')}]${stalled(this.#dir.stalledOf(line))}`;
  }

  /** Returns one line per cache or directory line of this node in a transient state or with stalled events. */
  #describe(): string[] {
    const out: string[] = [];
    const stalled = (n: number | undefined): string => (n ? ` (${n} stalled)` : '');
    const c = this.#cache.snapshot();
    for (const [l, st] of c.lines) if (!STABLE_CACHE_STATES.has(st) || c.stalled.has(l)) out.push(`cache@${this.#kernel.spec.name} ${formatLine(l)} ${st}${stalled(c.stalled.get(l))}`);
    if (c.waitingForWay > 0) out.push(`cache@${this.#kernel.spec.name}: ${c.waitingForWay} op(s) waiting for a way`);
    const d = this.#dir.snapshot();
    for (const [l, st] of d.lines) if (!STABLE_DIR_STATES.has(st) || d.stalled.has(l)) out.push(`dir@${this.#kernel.spec.name} ${formatLine(l)} ${st}${stalled(d.stalled.get(l))}`);
    if (out.length === 0) out.push('(no line of this node is in a transient state)');
    return out;
  }

  #applyDir(effects: readonly DirEffect[]): void {
    for (const e of effects) {
      if (e.kind === 'send') this.#network.send(e.msg, this.#kernel.nowPs + e.delayPs);
      else this.#recalls.get(e.line)?.shift()?.();
    }
  }
}
