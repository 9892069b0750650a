/**
 * Deadlock / livelock detection. Progress is an agent operation, a recall or
 * a writeback completing (the transactions `NodeCoherence` opens). When
 * nothing completes for `thresholdPs` of simulated time while work is
 * outstanding, or the event queue runs dry with work outstanding, the
 * watchdog throws `DeadlockError` listing the stuck transactions, the
 * controllers' transient states and the seed.
 *
 * Two ways to use it: the in-process machine (`CoherentSystem`) checks the
 * time since the last completion of any transaction (`check`); a node worker
 * checks the age of its oldest outstanding transaction (`checkOldest`), from
 * its own events and from a timer it arms at `nextCheckPs`.
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
  /** Where the watchdog ran (a node's name); absent for the in-process executor. */
  readonly site?: string;
  /** Events `site` processed since `lastProgressPs`, when the watchdog counts them (`noteEvent`). */
  readonly eventsWithoutProgress?: number;
}

/** Returns the text of a report: head, one line per stuck transaction (with its age), then the controllers. */
export function formatDeadlockReport(report: DeadlockReport): string {
  const events = report.eventsWithoutProgress === undefined ? '' : ` (${report.eventsWithoutProgress} events)`;
  const head = report.reason === 'idle' ? 'deadlock: no events left' : `no progress for ${report.nowPs - report.lastProgressPs} ps${events}`;
  return (
    `${report.site === undefined ? '' : `${report.site}: `}${head} with ${report.stuck.length} transaction(s) outstanding at ${report.nowPs} ps:\n` +
    report.stuck.map((t) => `  #${t.id} ${t.what} since ${t.sincePs} ps (age ${report.nowPs - t.sincePs} ps)`).join('\n') +
    '\ncontrollers:\n' +
    report.controllers.map((c) => `  ${c}`).join('\n')
  );
}

/** A deadlock or livelock: no progress. `report` has the details. */
export class DeadlockError extends InvariantViolation {
  readonly report: DeadlockReport;
  constructor(report: DeadlockReport) {
    super(formatDeadlockReport(report), report.seed);
    this.report = report;
    // InvariantViolation fixes `name` to its literal type; keep the subclass name for reports.
    Object.defineProperty(this, 'name', { value: 'DeadlockError' });
  }
}

/** Options of a `ProgressWatchdog` beyond threshold, seed and `describe`. */
export interface ProgressWatchdogOptions {
  /** Where the watchdog runs (a node's name), put at the head of reports. */
  readonly site?: string;
  /**
   * `checkOldest` also reports a transaction that stayed open while this many
   * events were noted (`noteEvent`): a livelock whose messages take no
   * simulated time stops the clock, so no time threshold can catch it.
   */
  readonly maxEventsWithoutProgress?: number;
}

interface OpenTransaction {
  readonly id: number;
  readonly what: string | (() => string);
  readonly sincePs: Ps;
  readonly eventsAtBegin: number;
}

/** Tracks outstanding transactions and progress. */
export class ProgressWatchdog {
  readonly #thresholdPs: Ps;
  readonly #seed: number | undefined;
  readonly #describe: () => string[];
  readonly #site: string | undefined;
  readonly #maxEvents: number;
  /** Open transactions in the order they began (Map keeps insertion order). */
  readonly #open = new Map<number, OpenTransaction>();
  #lastProgressPs: Ps = 0;
  #events = 0;

  /** `describe` returns the controllers' transient lines for reports. */
  constructor(thresholdPs: Ps, seed: number | undefined, describe: () => string[], options: ProgressWatchdogOptions = {}) {
    this.#thresholdPs = thresholdPs;
    this.#seed = seed;
    this.#describe = describe;
    this.#site = options.site;
    this.#maxEvents = options.maxEventsWithoutProgress ?? Number.POSITIVE_INFINITY;
  }

  /** Number of outstanding transactions. */
  get outstanding(): number {
    return this.#open.size;
  }

  /**
   * Opens transaction `id` at `atPs`. `what` may be a function: it is called
   * only for a report, so it can show the controllers' states at that moment.
   * Callers must begin transactions in non-decreasing `atPs` (one clock).
   */
  begin(id: number, what: string | (() => string), atPs: Ps): void {
    if (this.#open.size === 0) this.#lastProgressPs = atPs;
    this.#open.set(id, { id, what, sincePs: atPs, eventsAtBegin: this.#events });
  }

  /** Closes transaction `id`: progress. */
  end(id: number, atPs: Ps): void {
    this.#open.delete(id);
    this.#lastProgressPs = atPs;
  }

  /** Counts one processed event (for `maxEventsWithoutProgress`). */
  noteEvent(): void {
    this.#events++;
  }

  /** Returns when the oldest open transaction began, or undefined when none is open. */
  oldestSincePs(): Ps | undefined {
    for (const t of this.#open.values()) return t.sincePs;
    return undefined;
  }

  /**
   * Returns when `checkOldest` should next run: the oldest open transaction's
   * deadline (its start + threshold) or `nowPs + periodPs`, whichever is
   * sooner and not before `nowPs`; undefined when nothing is open (no timer
   * needed, so an idle node does not keep a simulation alive).
   */
  nextCheckPs(nowPs: Ps, periodPs: Ps): Ps | undefined {
    const oldest = this.oldestSincePs();
    if (oldest === undefined) return undefined;
    return Math.max(nowPs, Math.min(nowPs + periodPs, oldest + this.#thresholdPs));
  }

  /** Throws DeadlockError when work is outstanding and nothing completed for the threshold. */
  check(nowPs: Ps): void {
    if (this.#open.size > 0 && nowPs - this.#lastProgressPs > this.#thresholdPs) throw new DeadlockError(this.#report('no-progress', nowPs));
  }

  /**
   * Throws DeadlockError when the oldest open transaction has been open for
   * the threshold or longer, or saw `maxEventsWithoutProgress` events. The
   * report's `lastProgressPs` is then that transaction's start.
   */
  checkOldest(nowPs: Ps): void {
    for (const t of this.#open.values()) {
      const events = this.#events - t.eventsAtBegin;
      if (nowPs - t.sincePs >= this.#thresholdPs || events >= this.#maxEvents) {
        throw new DeadlockError({ ...this.#report('no-progress', nowPs), lastProgressPs: t.sincePs, ...(Number.isFinite(this.#maxEvents) ? { eventsWithoutProgress: events } : {}) });
      }
      return;
    }
  }

  /** Throws DeadlockError when the event queue is empty yet work is outstanding. */
  checkIdle(nowPs: Ps): void {
    if (this.#open.size > 0) throw new DeadlockError(this.#report('idle', nowPs));
  }

  #report(reason: DeadlockReport['reason'], nowPs: Ps): DeadlockReport {
    const stuck = [...this.#open.values()].map((t) => ({ id: t.id, what: typeof t.what === 'string' ? t.what : t.what(), sincePs: t.sincePs }));
    return { reason, nowPs, lastProgressPs: this.#lastProgressPs, stuck, controllers: this.#describe(), seed: this.#seed, ...(this.#site === undefined ? {} : { site: this.#site }) };
  }
}
