/**
 * Deadlock / livelock detection. Progress is an agent operation or a recall
 * completing. When nothing completes for `thresholdPs` of simulated time while
 * work is outstanding, or the event queue runs dry with work outstanding, the
 * watchdog throws `DeadlockError` listing the stuck transactions, the
 * controllers' transient states and the seed.
 */
import { InvariantViolation, type Ps } from '@cdmsim/engine';

/** One outstanding transaction. */
export interface StuckTransaction {
  readonly id: number;
  readonly what: string;
  readonly sincePs: Ps;
}

/** The stuck-transactions report. */
export interface DeadlockReport {
  readonly reason: 'no-progress' | 'idle';
  readonly nowPs: Ps;
  readonly lastProgressPs: Ps;
  readonly stuck: readonly StuckTransaction[];
  /** Controller lines in transient states and stalled events, one per line of text. */
  readonly controllers: readonly string[];
  readonly seed: number | undefined;
}

/** A deadlock or livelock: no progress. `report` has the details. */
export class DeadlockError extends InvariantViolation {
  readonly report: DeadlockReport;
  constructor(report: DeadlockReport) {
    const head = report.reason === 'idle' ? 'deadlock: no events left' : `no progress for ${report.nowPs - report.lastProgressPs} ps`;
    super(
      `${head} with ${report.stuck.length} transaction(s) outstanding at ${report.nowPs} ps:\n` +
        report.stuck.map((t) => `  #${t.id} ${t.what} since ${t.sincePs} ps`).join('\n') +
        '\ncontrollers:\n' + report.controllers.map((c) => `  ${c}`).join('\n'),
      report.seed,
    );
    this.report = report;
    // InvariantViolation fixes `name` to its literal type; keep the subclass name for reports.
    Object.defineProperty(this, 'name', { value: 'DeadlockError' });
  }
}

/** Tracks outstanding transactions and progress. */
export class ProgressWatchdog {
  readonly #thresholdPs: Ps;
  readonly #seed: number | undefined;
  readonly #describe: () => string[];
  readonly #open = new Map<number, StuckTransaction>();
  #lastProgressPs: Ps = 0;

  /** `describe` returns the controllers' transient lines for reports. */
  constructor(thresholdPs: Ps, seed: number | undefined, describe: () => string[]) {
    this.#thresholdPs = thresholdPs;
    this.#seed = seed;
    this.#describe = describe;
  }

  /** Number of outstanding transactions. */
  get outstanding(): number {
    return this.#open.size;
  }

  /** Opens transaction `id`. */
  begin(id: number, what: string, atPs: Ps): void {
    if (this.#open.size === 0) this.#lastProgressPs = atPs;
    this.#open.set(id, { id, what, sincePs: atPs });
  }

  /** Closes transaction `id`: progress. */
  end(id: number, atPs: Ps): void {
    this.#open.delete(id);
    this.#lastProgressPs = atPs;
  }

  /** Throws DeadlockError when work is outstanding and nothing completed for the threshold. */
  check(nowPs: Ps): void {
    if (this.#open.size > 0 && nowPs - this.#lastProgressPs > this.#thresholdPs) throw new DeadlockError(this.#report('no-progress', nowPs));
  }

  /** Throws DeadlockError when the event queue is empty yet work is outstanding. */
  checkIdle(nowPs: Ps): void {
    if (this.#open.size > 0) throw new DeadlockError(this.#report('idle', nowPs));
  }

  #report(reason: DeadlockReport['reason'], nowPs: Ps): DeadlockReport {
    return { reason, nowPs, lastProgressPs: this.#lastProgressPs, stuck: [...this.#open.values()], controllers: this.#describe(), seed: this.#seed };
  }
}
