/**
 * The executor: a discrete-event loop that owns one cache controller per agent
 * and one directory per home, performs the controllers' effects (sends through
 * the `Network`, completions, recalls), feeds the monitor and the deadlock
 * watchdog. Used by tests, the random tester and litmus tests; node workers
 * will run the same controllers with the real bus as `Network`.
 */
import { EventQueue, nodeId, type NodeId, type Pfn, type Ps } from '@cdmsim/engine';
import type { Topology } from '@cdmsim/config';
import { CacheController, type TransitionRecord } from './cache-controller.js';
import type { CacheEffect, CoreOp } from './cache-actions.js';
import { CACHE_STATES, type CacheEvent, type CacheState } from './cache-states.js';
import type { CacheAction } from './cache-table.js';
import { DirectoryController } from './directory-controller.js';
import type { DirEffect } from './directory-actions.js';
import type { DirEvent, DirState } from './directory-states.js';
import type { DirAction } from './directory-table.js';
import { DeterministicNetwork, topologyLatency, type LatencyModel, type Network, type NetworkStats } from './network.js';
import { endpointKey, formatEndpoint, type CoherenceMsg, type LineAddr } from './messages.js';
import { CoherenceMonitor } from './monitor.js';
import { ProgressWatchdog } from './deadlock.js';
import { formatLine, type AccessPermission, type ProtocolTable } from './table.js';

/** Options of a coherent system. Caches and memory latencies come from `topology`. */
export interface CoherentSystemOptions {
  readonly topology: Topology;
  /** Home node of a line (whose memory holds it). Default: by page frame, see `homeByPfn`. */
  readonly homeOf?: (line: LineAddr) => NodeId;
  readonly seed: number;
  /** Network latency model; default `topologyLatency(topology)`. */
  readonly latency?: LatencyModel;
  readonly jitterPs?: Ps;
  readonly drop?: (msg: CoherenceMsg) => boolean;
  readonly cacheTable?: ProtocolTable<CacheState, CacheEvent, CacheAction>;
  readonly directoryTable?: ProtocolTable<DirState, DirEvent, DirAction>;
  /** No completion for this long while work is outstanding = deadlock/livelock (default 1 ms simulated). */
  readonly deadlockThresholdPs?: Ps;
  /** Hook point: called for every transition of every controller (traces, debugging). */
  readonly onTransition?: (t: TransitionRecord & { readonly atPs: Ps; readonly controller: string }) => void;
}

/** Why an access was refused (an expected outcome, returned as a value). */
export type AccessRefusal = 'device-private-memory';

type SimEvent =
  | { timePs: Ps; tie: number; src: number; seq: number; kind: 'msg'; msg: CoherenceMsg }
  | { timePs: Ps; tie: number; src: number; seq: number; kind: 'call'; fn: () => void };

const PERMISSION = new Map<string, AccessPermission>(CACHE_STATES.map((s) => [s.name, s.permission]));
const LOCAL_SOURCE = 1 << 20;

/** Returns a `homeOf` that maps a line to the node whose memory holds its page, given each node's first pfn and page count. */
export function homeByPfn(topology: Topology, pfnRanges: readonly { node: NodeId; firstPfn: number; pages: number }[]): (line: LineAddr) => NodeId {
  return (line) => {
    const pfn = Math.floor(line / topology.pageSizeBytes);
    const r = pfnRanges.find((x) => pfn >= x.firstPfn && pfn < x.firstPfn + x.pages);
    if (!r) throw new Error(`line ${formatLine(line)} (pfn ${pfn}) is in no memory`);
    return r.node;
  };
}

/** A set of coherent caches and directories over one network, driven by an event loop. */
export class CoherentSystem {
  readonly topology: Topology;
  readonly monitor: CoherenceMonitor;
  readonly network: Network;
  readonly networkStats: NetworkStats | undefined;
  readonly lineBytes: number;
  readonly #caches: CacheController[];
  readonly #dirs: DirectoryController[];
  readonly #homeOf: (line: LineAddr) => NodeId;
  readonly #queue = new EventQueue<SimEvent>();
  readonly #watchdog: ProgressWatchdog;
  readonly #opDone = new Map<number, (value: number, atPs: Ps) => void>();
  readonly #recalls = new Map<LineAddr, (() => void)[]>();
  readonly #onTransition: CoherentSystemOptions['onTransition'];
  #nowPs: Ps = 0;
  #seq = 0;
  #nextTxn = 1;
  /** Events processed (messages delivered + calls). */
  eventsProcessed = 0;

  /** Builds caches for every node and a directory for every memory. @throws Error when caches disagree on line size. */
  constructor(opts: CoherentSystemOptions) {
    this.topology = opts.topology;
    this.#onTransition = opts.onTransition;
    const lineSizes = new Set(opts.topology.nodes.map((n) => n.cache.lineBytes));
    if (lineSizes.size !== 1) throw new Error(`all caches must share one line size, got ${[...lineSizes].join(', ')} B`);
    this.lineBytes = [...lineSizes][0]!;
    this.#homeOf = opts.homeOf ?? ((line) => nodeId(Math.floor(line / opts.topology.pageSizeBytes) % opts.topology.nodes.length));
    this.monitor = new CoherenceMonitor(opts.seed);
    this.#caches = opts.topology.nodes.map((n) => new CacheController({ node: n.id, spec: n.cache, homeOf: this.#homeOf, ...(opts.cacheTable ? { table: opts.cacheTable } : {}) }));
    this.#dirs = opts.topology.nodes.map(
      (n) => new DirectoryController({ node: n.id, lineBytes: this.lineBytes, memoryLatencyPs: n.memory.latencyPs, ...(opts.directoryTable ? { table: opts.directoryTable } : {}) }),
    );
    const net = new DeterministicNetwork(
      { latency: opts.latency ?? topologyLatency(opts.topology), seed: opts.seed, jitterPs: opts.jitterPs ?? 0, ...(opts.drop ? { drop: opts.drop } : {}) },
      (msg, atPs, tie) => this.#queue.push({ timePs: atPs, tie, src: endpointKey(msg.src), seq: this.#seq++, kind: 'msg', msg }),
    );
    this.network = net;
    this.networkStats = net.stats;
    this.#watchdog = new ProgressWatchdog(opts.deadlockThresholdPs ?? 1_000_000_000, opts.seed, () => this.describe());
  }

  /** Current simulated time. */
  get nowPs(): Ps {
    return this.#nowPs;
  }

  /** Returns the cache controller of `node` (for inspection in tests). */
  cache(node: NodeId): CacheController {
    return this.#caches[node]!;
  }

  /** Returns the directory of `node`. */
  directory(node: NodeId): DirectoryController {
    return this.#dirs[node]!;
  }

  /** Returns the home node of a line. */
  homeOf(line: LineAddr): NodeId {
    return this.#homeOf(line);
  }

  /** Runs `fn` at `delayPs` from now, in event order. */
  schedule(delayPs: Ps, fn: () => void): void {
    this.#queue.push({ timePs: this.#nowPs + delayPs, tie: 0, src: LOCAL_SOURCE, seq: this.#seq++, kind: 'call', fn });
  }

  /**
   * Issues a load of `line` by `agent`; `done(value, atPs)` runs when it completes.
   * Returns a refusal instead when a CPU addresses device-private memory (never cached by a CPU).
   */
  load(agent: NodeId, line: LineAddr, done: (value: number, atPs: Ps) => void): AccessRefusal | undefined {
    return this.#access(agent, line, { id: this.#nextTxn++, kind: 'load', value: 0 }, done);
  }

  /** Issues a store of `value` to `line` by `agent`; `done` runs when it completes. Same refusal as `load`. */
  store(agent: NodeId, line: LineAddr, value: number, done: (value: number, atPs: Ps) => void): AccessRefusal | undefined {
    return this.#access(agent, line, { id: this.#nextTxn++, kind: 'store', value }, done);
  }

  /**
   * Flushes page `pfn`: every dirty line goes home and every cached copy is
   * invalidated; `done` runs when all of it holds, so the frame may be reused
   * (migration, unmap, eviction, free). Memory then holds the last written data.
   */
  flushPage(pfn: Pfn, done: () => void): void {
    const first = pfn * this.topology.pageSizeBytes;
    const home = this.#homeOf(first);
    const dir = this.#dirs[home]!;
    const lines = dir.knownLinesIn(first, this.topology.pageSizeBytes);
    let left = lines.length;
    const txn = this.#nextTxn++;
    this.#watchdog.begin(txn, `flushPage(pfn ${pfn}) at dir@${home}`, this.#nowPs);
    const finish = (): void => {
      this.#watchdog.end(txn, this.#nowPs);
      done();
    };
    if (left === 0) return this.schedule(0, finish);
    for (const line of lines) {
      let q = this.#recalls.get(line);
      if (!q) this.#recalls.set(line, (q = []));
      q.push(() => {
        this.monitor.checkMemory(line, dir.entryOf(line).memory);
        if (--left === 0) finish();
      });
      const step = dir.recall(line);
      this.#traceDir(home, step.transitions);
      this.#applyDir(step.effects);
    }
  }

  /**
   * After a recall of page `pfn` (`flushPage` done): forgets its lines at
   * their home directory and in the data-value monitor, because its frame
   * was freed and its next page starts from zeroes. Returns false when a
   * line is still busy (recall it first).
   */
  forgetPage(pfn: Pfn): boolean {
    const first = pfn * this.topology.pageSizeBytes;
    const dir = this.#dirs[this.#homeOf(first)]!;
    for (const line of dir.knownLinesIn(first, this.topology.pageSizeBytes)) {
      if (!dir.forget(line)) return false;
      this.monitor.forget(line);
    }
    return true;
  }

  /** Same as `flushPage`: named for unmap / free callers that drop the mapping. */
  invalidatePage(pfn: Pfn, done: () => void): void {
    this.flushPage(pfn, done);
  }

  /**
   * Processes events until the queue is empty or time passes `untilPs`.
   * @throws InvariantViolation (SWMR, data value), DeadlockError, ProtocolViolation.
   */
  run(untilPs: Ps = Number.POSITIVE_INFINITY): void {
    for (;;) {
      const ev = this.#queue.peek();
      if (!ev || ev.timePs > untilPs) break;
      this.#queue.pop();
      this.#nowPs = ev.timePs;
      this.eventsProcessed++;
      if (ev.kind === 'call') ev.fn();
      else if (ev.msg.dst.unit === 'cache') {
        const step = this.#caches[ev.msg.dst.node]!.receive(ev.msg);
        this.#applyCache(ev.msg.dst.node, step.effects, step.transitions);
      } else {
        const step = this.#dirs[ev.msg.dst.node]!.receive(ev.msg);
        this.#traceDir(ev.msg.dst.node, step.transitions);
        this.#applyDir(step.effects);
      }
      this.#watchdog.check(this.#nowPs);
    }
    if (this.#queue.size === 0) this.#watchdog.checkIdle(this.#nowPs);
  }

  /** Returns one line per controller line in a transient state or with stalled events (for deadlock reports). */
  describe(): string[] {
    const out: string[] = [];
    this.#caches.forEach((c) => {
      const s = c.snapshot();
      for (const [l, st] of s.lines) if (!['S', 'E', 'O', 'M'].includes(st) || s.stalled.has(l)) out.push(`${formatEndpoint(c.self)} ${formatLine(l)} ${st}${s.stalled.has(l) ? ` (${s.stalled.get(l)} stalled)` : ''}`);
    });
    this.#dirs.forEach((d) => {
      const s = d.snapshot();
      for (const [l, st] of s.lines) if (!['S', 'EM', 'O'].includes(st) || s.stalled.has(l)) out.push(`${formatEndpoint(d.self)} ${formatLine(l)} ${st}${s.stalled.has(l) ? ` (${s.stalled.get(l)} stalled)` : ''}`);
    });
    return out;
  }

  #access(agent: NodeId, line: LineAddr, op: CoreOp, done: (value: number, atPs: Ps) => void): AccessRefusal | undefined {
    const home = this.topology.nodes[this.#homeOf(line)]!;
    if (this.topology.nodes[agent]!.kind === 'cpu' && home.kind === 'gpu' && home.memory.kind === 'private') return 'device-private-memory';
    this.#opDone.set(op.id, done);
    this.#watchdog.begin(op.id, () => `${op.kind} by agent ${agent} of ${formatLine(line)}`, this.#nowPs);
    const step = this.#caches[agent]!.coreRequest(op, line);
    this.#applyCache(agent, step.effects, step.transitions);
    return undefined;
  }

  #applyCache(node: NodeId, effects: readonly CacheEffect[], transitions: readonly TransitionRecord[]): void {
    // Each transition's permission is recorded before its own effects: an op
    // performs under the permission its transition granted, in order.
    let next = 0;
    for (const t of transitions) {
      this.#onTransition?.({ ...t, atPs: this.#nowPs, controller: `cache@${node}` });
      this.monitor.setPermission(node, t.line, PERMISSION.get(t.to) ?? 'none', this.#nowPs);
      for (; next < t.effectsEnd; next++) this.#performCache(node, effects[next]!);
    }
    for (; next < effects.length; next++) this.#performCache(node, effects[next]!);
  }

  #performCache(node: NodeId, e: CacheEffect): void {
    {
      if (e.kind === 'send') {
        this.network.send(e.msg, this.#nowPs + e.delayPs);
        return;
      }
      if (e.op.kind === 'store') this.monitor.onStore(node, e.line, e.value, this.#nowPs);
      else this.monitor.onLoad(node, e.line, e.value, this.#nowPs);
      const done = this.#opDone.get(e.op.id);
      this.#opDone.delete(e.op.id);
      this.schedule(e.delayPs, () => {
        this.#watchdog.end(e.op.id, this.#nowPs);
        done?.(e.value, this.#nowPs);
      });
    }
  }

  #traceDir(node: NodeId, transitions: readonly TransitionRecord[]): void {
    if (this.#onTransition) for (const t of transitions) this.#onTransition({ ...t, atPs: this.#nowPs, controller: `dir@${node}` });
  }

  #applyDir(effects: readonly DirEffect[]): void {
    for (const e of effects) {
      if (e.kind === 'send') this.network.send(e.msg, this.#nowPs + e.delayPs);
      else {
        const waiting = this.#recalls.get(e.line)?.shift();
        waiting?.();
      }
    }
  }
}
