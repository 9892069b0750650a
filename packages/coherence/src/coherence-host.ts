/**
 * What a node's coherence executor (`NodeCoherence`) needs from where it
 * runs: a clock and a timer, the network, the invariant checks, the
 * deadlock watchdog and a trace hook (`CoherenceHost`), and optionally the
 * memory its directory is the home of (`LineMemory`). In-process
 * (`CoherentSystem`) these are its event queue, `DeterministicNetwork`,
 * `CoherenceMonitor` and `ProgressWatchdog`; on a node worker
 * (`CoherentNode`) the kernel, `BusNetwork`, `CrossWorkerMonitor` and
 * `NodeWatchdog`.
 */
import type { NodeId, Ps } from '@cdmsim/engine';
import type { TransitionRecord } from './cache-controller.js';
import type { Endpoint, LineAddr } from './messages.js';
import type { Network } from './network.js';
import type { AccessPermission } from './table.js';

/**
 * The invariant checks the executor feeds (`CoherenceMonitor` in-process,
 * `CrossWorkerMonitor` across workers). Each method throws
 * `InvariantViolation` when its invariant breaks.
 */
export interface CoherenceChecks {
  /** Records `node`'s new permission on `line` (SWMR). */
  setPermission(node: NodeId, line: LineAddr, permission: AccessPermission, atPs: Ps): void;
  /** Records a store performing by `node` (it must hold read-write). */
  onStore(node: NodeId, line: LineAddr, value: number, atPs: Ps): void;
  /** Checks a load performing by `node` (read permission, last stored value). */
  onLoad(node: NodeId, line: LineAddr, value: number, atPs: Ps): void;
  /** Checks memory after a recall of `line`: it must hold the last stored value. */
  checkMemory(line: LineAddr, memoryValue: number): void;
  /** A line enters the protocol with memory's value (only called when the directory's memory is a `LineMemory`). */
  trackLine?(line: LineAddr, memoryValue: number): void;
}

/** The deadlock watchdog as the executor sees it: transactions open and close (`NodeWatchdog`, or an adapter over `ProgressWatchdog`). */
export interface TransactionWatchdog {
  /** Opens a transaction now and returns its id for `end`. `what` is called only for a report (it may show current states). */
  begin(what: () => string): number;
  /** Closes transaction `id` now: progress. */
  end(id: number): void;
}

/** What the executor needs from where it runs. */
export interface CoherenceHost {
  /** Returns the current simulated time. */
  nowPs(): Ps;
  /** Runs `fn` `delayPs` from now, in the host's event order (an op's completion). */
  after(delayPs: Ps, fn: () => void): void;
  /** Carries the controllers' messages, FIFO per (source, destination) endpoint pair. */
  readonly network: Network;
  readonly checks: CoherenceChecks;
  readonly watchdog: TransactionWatchdog;
  /** Hook point: every transition of this node's controllers, before its effects (traces). */
  readonly onTransition?: (t: TransitionRecord, controller: Endpoint) => void;
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
