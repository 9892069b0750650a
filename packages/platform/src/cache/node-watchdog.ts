/**
 * The deadlock / livelock watchdog of one node's coherence workload: every
 * outstanding transaction of the node (an agent load or store, a recall at
 * its directory, a writeback of an evicted line) is tracked with the
 * simulated time it began (`ProgressWatchdog` of @cdmsim/coherence). A
 * transaction open for `thresholdPs` or longer throws `DeadlockError`
 * (an `InvariantViolation` with the seed) naming the node, its stuck
 * transactions with their lines' states, and the controllers' transient lines;
 * the worker fails and the runtime reports a `NodeFailure` naming the node.
 *
 * When it checks depends on the run mode:
 *  - always, at every coherence message the node receives and every
 *    transaction it begins (a livelock keeps messages flowing, so its clock
 *    moves and the check sees the age grow);
 *  - in deterministic mode also from a kernel timer, armed only while a
 *    transaction is open (an idle node keeps nothing alive), at the oldest
 *    transaction's deadline or one `periodPs` later, whichever is sooner.
 *    That catches a node waiting for a message that never comes, at exactly
 *    the threshold. Free mode has no such timer: there a node's clock moves
 *    only with its events, and a timer that is the only pending event runs at
 *    once (nothing holds it back), so waiting for a reply would count as
 *    simulated time passing and the clock would run away. A node that waits
 *    in silence is reported when the run goes quiescent (`checkIdle`).
 */
import type { Ps } from '@cdmsim/engine';
import { ProgressWatchdog, type TransactionWatchdog } from '@cdmsim/coherence';
import type { NodeKernel } from '@cdmsim/kernel';

/**
 * A transaction that stays open while the node receives this many coherence
 * messages is reported even if no simulated time passed: a cache and the
 * directory of the same node can ping-pong with zero delays, which stops the
 * clock. Healthy transactions saw at most 20 (the runs measured for
 * `defaultWatchdogPs`).
 */
export const MAX_COH_EVENTS_WITHOUT_PROGRESS = 10_000;

/** How a node's watchdog runs. */
export interface NodeWatchdogOptions {
  /** A transaction open this long (simulated) is reported. */
  readonly thresholdPs: Ps;
  /** Longest gap between two timer checks (the timer also fires at each deadline). */
  readonly periodPs: Ps;
  /** Arm the kernel timer: deterministic mode only (see the file comment). */
  readonly timer: boolean;
}

/** One node's coherence watchdog: the `TransactionWatchdog` of its `NodeCoherence`. */
export class NodeWatchdog implements TransactionWatchdog {
  readonly #kernel: NodeKernel;
  readonly #options: NodeWatchdogOptions;
  readonly #watchdog: ProgressWatchdog;
  #nextId = 1;
  #armed = false;

  /** `describe` returns this node's controller lines in transient states or with stalled events, for reports. */
  constructor(kernel: NodeKernel, options: NodeWatchdogOptions, describe: () => string[]) {
    this.#kernel = kernel;
    this.#options = options;
    this.#watchdog = new ProgressWatchdog(options.thresholdPs, kernel.seed, describe, { site: kernel.spec.name, maxEventsWithoutProgress: MAX_COH_EVENTS_WITHOUT_PROGRESS });
  }

  /** Number of open transactions. */
  get outstanding(): number {
    return this.#watchdog.outstanding;
  }

  /**
   * Opens a transaction now and returns its id for `end`. `what` is called
   * only for a report (it may show current states).
   * @throws DeadlockError when an older transaction is already overdue.
   */
  begin(what: () => string): number {
    const id = this.#nextId++;
    this.#watchdog.begin(id, what, this.#kernel.nowPs);
    this.#watchdog.checkOldest(this.#kernel.nowPs);
    if (this.#options.timer && !this.#armed) this.#arm();
    return id;
  }

  /** Closes transaction `id` (it made progress). */
  end(id: number): void {
    this.#watchdog.end(id, this.#kernel.nowPs);
  }

  /** Counts a coherence message received and checks. @throws DeadlockError when a transaction is overdue. */
  onEvent(): void {
    this.#watchdog.noteEvent();
    this.#watchdog.checkOldest(this.#kernel.nowPs);
  }

  /** Checks at the end of the run. @throws DeadlockError when any transaction is still open (nothing can complete it now). */
  checkIdle(): void {
    this.#watchdog.checkIdle(this.#kernel.nowPs);
  }

  #arm(): void {
    const atPs = this.#watchdog.nextCheckPs(this.#kernel.nowPs, this.#options.periodPs);
    if (atPs === undefined) return;
    this.#armed = true;
    this.#kernel.at(atPs, 'coh watchdog', () => {
      this.#armed = false;
      this.#watchdog.checkOldest(this.#kernel.nowPs);
      this.#arm();
    });
  }
}
