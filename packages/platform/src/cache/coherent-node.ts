/**
 * One node's part of the coherence protocol on the real simulator: the
 * node's `NodeCoherence` of @cdmsim/coherence (its cache controller, the
 * directory of its memory, and the one executor of their effects, shared
 * with the in-process `CoherentSystem`) hosted on the node's kernel.
 * Messages go out as `coh` envelopes through `BusNetwork`; arriving ones go
 * to the controller they name. An operation's completion runs on a kernel
 * timer after its latency. Every load, store, recall and writeback is a
 * transaction of the node's watchdog (`NodeWatchdog`), which reports one
 * that makes no progress, with the states of its line.
 */
import type { Ps } from '@cdmsim/engine';
import { NodeCoherence, type AccessRefusal, type CoherenceMsg, type CoherenceHost, type LineAddr, type LineMemory, type MsgType, type ProtocolTables } from '@cdmsim/coherence';
import type { CacheSpec } from '@cdmsim/config';
import type { NodeKernel } from '@cdmsim/kernel';
import { BusNetwork } from './bus-network.js';
import { fromProto } from './coh-codec.js';
import type { CrossWorkerMonitor } from './cross-worker-monitor.js';
import type { LineIndex } from './line-index.js';
import { NodeWatchdog, type NodeWatchdogOptions } from './node-watchdog.js';

/** The directory's memory when it lives outside it (defined in @cdmsim/coherence; re-exported for existing importers). */
export type { LineMemory } from '@cdmsim/coherence';

/** Why an access was refused (an expected outcome): CPUs never cache device-private memory. Same as `AccessRefusal`. */
export type CoherentAccessRefusal = AccessRefusal;

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
  readonly #coherence: NodeCoherence;
  readonly #network: BusNetwork;
  readonly #watchdog: NodeWatchdog;
  readonly #receivedByType: Partial<Record<MsgType, number>> = {};
  #received = 0;

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
    this.#watchdog = new NodeWatchdog(kernel, watchdog, () => this.#describe());
    this.#network = new BusNetwork(kernel, (msg) => this.#receive(msg));
    const host: CoherenceHost = {
      nowPs: () => kernel.nowPs,
      after: (delayPs: Ps, fn: () => void) => kernel.after(delayPs, 'coh op done', fn),
      network: this.#network,
      checks: monitor,
      watchdog: this.#watchdog,
    };
    this.#coherence = new NodeCoherence({ node: kernel.self, topology: kernel.topology, homeOf: (l) => lines.homeOf(l), cache, tables, ...(memory ? { memory } : {}) }, host);
    kernel.on('coh', 'cache', (env) => this.#receive(fromProto(env.coh!)));
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
    return this.#coherence.directory.knownLinesIn(first, bytes);
  }

  /** Returns the data this node's cache holds for `line` when it holds valid data (`CacheController.dataOf`). */
  cachedData(line: LineAddr): number | undefined {
    return this.#coherence.cache.dataOf(line);
  }

  /** Drops this directory's entry of a recalled line of a freed frame; false (entry kept) when the line is busy again. */
  forget(line: LineAddr): boolean {
    return this.#coherence.directory.forget(line);
  }

  /**
   * Calls `done` once no writeback (Put) of this node's cache to a line of
   * [first, first + bytes) is in flight: at once when none is, else when
   * the last of them got its PutAck (the home has written memory by then).
   * Returns true when `done` ran at once.
   */
  whenWritebacksDone(first: LineAddr, bytes: number, done: () => void): boolean {
    return this.#coherence.whenWritebacksDone(first, bytes, done);
  }

  /** Returns true when `line` is homed in memory this node may not cache (a CPU and device-private memory). */
  refuses(line: LineAddr): boolean {
    return this.#coherence.refuses(line);
  }

  /** Issues a load; `done(value)` runs when it completes. Returns a refusal instead for device-private memory on a CPU. */
  load(line: LineAddr, done: (value: number) => void): CoherentAccessRefusal | undefined {
    return this.#coherence.load(line, done);
  }

  /** Issues a store of `value`; `done` runs when it completes. Same refusal as `load`. */
  store(line: LineAddr, value: number, done: (value: number) => void): CoherentAccessRefusal | undefined {
    return this.#coherence.store(line, value, done);
  }

  /**
   * Recalls `line` at this node's directory (the page-flush path: dirty data
   * home, every copy invalidated); `done` runs once memory holds the last
   * store's value, which the monitor checks. Callers must be the line's home.
   */
  recall(line: LineAddr, done: () => void): void {
    this.#coherence.recall(line, done);
  }

  /**
   * Checks, once the run is over, that no transaction is left open.
   * @throws DeadlockError (an InvariantViolation with the seed) listing them with their lines' states.
   */
  checkIdle(): void {
    this.#watchdog.checkIdle();
  }

  /** A message from the bus, or from this node's other controller: counted, watched, then executed. */
  #receive(msg: CoherenceMsg): void {
    this.#watchdog.onEvent();
    this.#received++;
    this.#receivedByType[msg.type] = (this.#receivedByType[msg.type] ?? 0) + 1;
    this.#coherence.receive(msg);
  }

  /** Returns one line per cache or directory line of this node in a transient state or with stalled events. */
  #describe(): string[] {
    const out = this.#coherence.describe();
    return out.length > 0 ? out : ['(no line of this node is in a transient state)'];
  }
}
