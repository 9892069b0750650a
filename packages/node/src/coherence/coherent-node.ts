/**
 * One node's part of the coherence protocol on the real simulator: its cache
 * controller (agent side) and the directory of its memory (home side), both
 * the pure controllers of @cdmsim/coherence. Messages go out as `coh`
 * envelopes through `BusNetwork`; arriving ones go to the controller they
 * name. Effects are applied as the in-process executor (`CoherentSystem`)
 * applies them: each transition's permission is recorded before its own
 * effects, sends leave after their delay, and an operation's completion
 * runs after its latency.
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
  type LineAddr,
  type MsgType,
  type ProtocolTables,
  type TransitionRecord,
} from '@cdmsim/coherence';
import type { CacheSpec } from '@cdmsim/config';
import type { NodeKernel } from '../kernel.js';
import { BusNetwork } from './bus-network.js';
import { fromProto } from './coh-codec.js';
import type { CrossWorkerMonitor } from './cross-worker-monitor.js';
import type { TestedLines } from './tested-lines.js';

const PERMISSION = new Map<string, AccessPermission>(CACHE_STATES.map((s) => [s.name, s.permission]));

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

/** The cache and directory of one node, wired to the bus and the cross-worker monitor. */
export class CoherentNode {
  readonly #kernel: NodeKernel;
  readonly #cache: CacheController;
  readonly #dir: DirectoryController;
  readonly #network: BusNetwork;
  readonly #monitor: CrossWorkerMonitor;
  readonly #lines: TestedLines;
  readonly #opDone = new Map<number, (value: number) => void>();
  readonly #recalls = new Map<LineAddr, (() => void)[]>();
  readonly #receivedByType: Partial<Record<MsgType, number>> = {};
  #received = 0;
  #nextOp = 1;

  /**
   * Registers the `coh` handler on `kernel`. Every cache of the machine must
   * have the same line size (validated by the config). `cache` defaults to
   * the node's cache (see `workloadCacheSpec` for a shrunk one).
   */
  constructor(kernel: NodeKernel, lines: TestedLines, monitor: CrossWorkerMonitor, tables: ProtocolTables = {}, cache: CacheSpec = kernel.spec.cache) {
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
    });
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
    let q = this.#recalls.get(line);
    if (!q) this.#recalls.set(line, (q = []));
    q.push(() => {
      this.#monitor.checkMemory(line, this.#dir.entryOf(line).memory);
      done();
    });
    this.#applyDir(this.#dir.recall(line).effects);
  }

  #access(line: LineAddr, op: CoreOp, done: (value: number) => void): CoherentAccessRefusal | undefined {
    if (this.refuses(line)) return 'device-private-memory';
    this.#opDone.set(op.id, done);
    const step = this.#cache.coreRequest(op, line);
    this.#applyCache(step.effects, step.transitions);
    return undefined;
  }

  #receive(msg: CoherenceMsg): void {
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
      this.#monitor.setPermission(this.#kernel.self, t.line, PERMISSION.get(t.to) ?? 'none', this.#kernel.nowPs);
      for (; next < t.effectsEnd; next++) this.#performCache(effects[next]!);
    }
    for (; next < effects.length; next++) this.#performCache(effects[next]!);
  }

  #performCache(e: CacheEffect): void {
    if (e.kind === 'send') {
      this.#network.send(e.msg, this.#kernel.nowPs + e.delayPs);
      return;
    }
    const self: NodeId = this.#kernel.self;
    if (e.op.kind === 'store') this.#monitor.onStore(self, e.line, e.value, this.#kernel.nowPs);
    else this.#monitor.onLoad(self, e.line, e.value, this.#kernel.nowPs);
    const done = this.#opDone.get(e.op.id);
    this.#opDone.delete(e.op.id);
    const value = e.value;
    this.#kernel.after(e.delayPs as Ps, 'coh op done', () => done?.(value));
  }

  #applyDir(effects: readonly DirEffect[]): void {
    for (const e of effects) {
      if (e.kind === 'send') this.#network.send(e.msg, this.#kernel.nowPs + e.delayPs);
      else this.#recalls.get(e.line)?.shift()?.();
    }
  }
}
