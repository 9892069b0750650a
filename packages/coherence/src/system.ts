/**
 * The in-process coherent machine: one `NodeCoherence` (cache + directory +
 * the effect executor) per node over one `DeterministicNetwork` and one event
 * queue, with the `CoherenceMonitor` and one `ProgressWatchdog` shared by
 * every node. Used by tests, the random tester and litmus tests; node workers
 * run the same executor over their kernel and the bus (`CoherentNode`).
 */
import { ConfigError, CdmsimError, EventQueue, nodeId, type NodeId, type Pfn, type Ps } from '@cdmsim/engine';
import type { Topology } from '@cdmsim/config';
import type { CacheController, TransitionRecord } from './cache-controller.js';
import type { CacheEvent, CacheState } from './cache-states.js';
import type { CacheAction } from './cache-table.js';
import type { DirectoryController } from './directory-controller.js';
import type { DirEvent, DirState } from './directory-states.js';
import type { DirAction } from './directory-table.js';
import { DeterministicNetwork, topologyLatency, type LatencyModel, type Network, type NetworkStats } from './network.js';
import { endpointKey, formatEndpoint, type CoherenceMsg, type Endpoint, type LineAddr } from './messages.js';
import { CoherenceMonitor } from './monitor.js';
import { ProgressWatchdog } from './deadlock.js';
import type { CoherenceHost, TransactionWatchdog } from './coherence-host.js';
import { NodeCoherence, type AccessRefusal } from './node-coherence.js';
import { formatLine, type ProtocolTable } from './table.js';

export type { AccessRefusal } from './node-coherence.js';

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

type SimEvent =
  | { timePs: Ps; tie: number; src: number; seq: number; kind: 'msg'; msg: CoherenceMsg }
  | { timePs: Ps; tie: number; src: number; seq: number; kind: 'call'; fn: () => void };

const LOCAL_SOURCE = 1 << 20;

/**
 * Returns a `homeOf` that maps a line to the node whose memory holds its page, given each node's first pfn and page count.
 * The returned function throws CdmsimError for a line in no range.
 */
export function homeByPfn(topology: Topology, pfnRanges: readonly { node: NodeId; firstPfn: number; pages: number }[]): (line: LineAddr) => NodeId {
  return (line) => {
    const pfn = Math.floor(line / topology.pageSizeBytes);
    const r = pfnRanges.find((x) => pfn >= x.firstPfn && pfn < x.firstPfn + x.pages);
    if (!r) throw new CdmsimError(`line ${formatLine(line)} (pfn ${pfn}) is in no memory: give homeByPfn every node's pfn range`);
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
  /** One executor per node, by node id. */
  readonly #nodes: NodeCoherence[];
  readonly #homeOf: (line: LineAddr) => NodeId;
  readonly #queue = new EventQueue<SimEvent>();
  readonly #watchdog: ProgressWatchdog;
  #nowPs: Ps = 0;
  #seq = 0;
  /** Watchdog transaction ids, shared by every node (one watchdog). */
  #nextTxn = 1;
  /** Events processed (messages delivered + calls). */
  eventsProcessed = 0;

  /** Builds caches for every node and a directory for every memory. @throws ConfigError when caches disagree on line size. */
  constructor(opts: CoherentSystemOptions) {
    this.topology = opts.topology;
    const lineSizes = new Set(opts.topology.nodes.map((n) => n.cache.lineBytes));
    if (lineSizes.size !== 1) throw new ConfigError(`all caches must share one line size, got ${[...lineSizes].join(', ')} B`);
    this.lineBytes = [...lineSizes][0]!;
    this.#homeOf = opts.homeOf ?? ((line) => nodeId(Math.floor(line / opts.topology.pageSizeBytes) % opts.topology.nodes.length));
    this.monitor = new CoherenceMonitor(opts.seed);
    const net = new DeterministicNetwork(
      { latency: opts.latency ?? topologyLatency(opts.topology), seed: opts.seed, jitterPs: opts.jitterPs ?? 0, ...(opts.drop ? { drop: opts.drop } : {}) },
      (msg, atPs, tie) => this.#queue.push({ timePs: atPs, tie, src: endpointKey(msg.src), seq: this.#seq++, kind: 'msg', msg }),
    );
    this.network = net;
    this.networkStats = net.stats;
    this.#watchdog = new ProgressWatchdog(opts.deadlockThresholdPs ?? 1_000_000_000, opts.seed, () => this.describe());
    const tables = { ...(opts.cacheTable ? { cacheTable: opts.cacheTable } : {}), ...(opts.directoryTable ? { directoryTable: opts.directoryTable } : {}) };
    this.#nodes = opts.topology.nodes.map((n) => new NodeCoherence({ node: n.id, topology: opts.topology, homeOf: this.#homeOf, tables }, this.#host(n.name, opts.onTransition)));
  }

  /** Current simulated time. */
  get nowPs(): Ps {
    return this.#nowPs;
  }

  /** Returns the cache controller of `node` (for inspection in tests). */
  cache(node: NodeId): CacheController {
    return this.#nodes[node]!.cache;
  }

  /** Returns the directory of `node`. */
  directory(node: NodeId): DirectoryController {
    return this.#nodes[node]!.directory;
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
    return this.#nodes[agent]!.load(line, done);
  }

  /** Issues a store of `value` to `line` by `agent`; `done` runs when it completes. Same refusal as `load`. */
  store(agent: NodeId, line: LineAddr, value: number, done: (value: number, atPs: Ps) => void): AccessRefusal | undefined {
    return this.#nodes[agent]!.store(line, value, done);
  }

  /**
   * Flushes page `pfn`: every dirty line goes home and every cached copy is
   * invalidated (one recall per line its home directory knows); `done` runs
   * when all of it holds, so the frame may be reused (migration, unmap,
   * eviction, free). Memory then holds the last written data.
   */
  flushPage(pfn: Pfn, done: () => void): void {
    const first = pfn * this.topology.pageSizeBytes;
    const home = this.#nodes[this.#homeOf(first)]!;
    const lines = home.directory.knownLinesIn(first, this.topology.pageSizeBytes);
    let left = lines.length;
    if (left === 0) return this.schedule(0, done);
    for (const line of lines)
      home.recall(line, () => {
        if (--left === 0) done();
      });
  }

  /**
   * After a recall of page `pfn` (`flushPage` done): forgets its lines at
   * their home directory and in the data-value monitor, because its frame
   * was freed and its next page starts from zeroes. Returns false when a
   * line is still busy (recall it first).
   */
  forgetPage(pfn: Pfn): boolean {
    const first = pfn * this.topology.pageSizeBytes;
    const dir = this.#nodes[this.#homeOf(first)]!.directory;
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
      else this.#nodes[ev.msg.dst.node]!.receive(ev.msg);
      this.#watchdog.check(this.#nowPs);
    }
    if (this.#queue.size === 0) this.#watchdog.checkIdle(this.#nowPs);
  }

  /** Returns one line per controller line in a transient state or with stalled events (for deadlock reports), node by node. */
  describe(): string[] {
    return this.#nodes.flatMap((n) => n.describe());
  }

  /** Returns node `name`'s view of the system: its clock, the queue, the network, the monitor and the shared watchdog. */
  #host(name: string, onTransition: CoherentSystemOptions['onTransition']): CoherenceHost {
    const watchdog: TransactionWatchdog = {
      begin: (what) => {
        const id = this.#nextTxn++;
        this.#watchdog.begin(id, () => `${name}: ${what()}`, this.#nowPs);
        return id;
      },
      end: (id) => this.#watchdog.end(id, this.#nowPs),
    };
    return {
      nowPs: () => this.#nowPs,
      after: (delayPs, fn) => this.schedule(delayPs, fn),
      network: this.network,
      checks: this.monitor,
      watchdog,
      ...(onTransition ? { onTransition: (t: TransitionRecord, controller: Endpoint) => onTransition({ ...t, atPs: this.#nowPs, controller: formatEndpoint(controller) }) } : {}),
    };
  }
}
