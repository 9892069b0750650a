/**
 * Doorbell: one Int32 counter per receiving worker, shared by every ring
 * into that worker, so a receiver with many incoming rings sleeps on one
 * word. ring() notifies only when a receiver is actually asleep.
 */
import { BELL_BYTES, BELL_SEQ, BELL_SLEEPERS } from './layout.js';

/** Structured-cloneable description of a Doorbell. */
export interface DoorbellHandle {
  readonly sab: SharedArrayBuffer;
}

/** Result of `waitIdle`, as returned by Atomics.wait. */
export type DoorbellWaitResult = 'ok' | 'not-equal' | 'timed-out';

/**
 * The receiver pattern is: `seen = bell.value()`, drain every incoming ring,
 * and if nothing was found `bell.waitIdle(seen, timeoutMs)`. A ring() after
 * `value()` makes waitIdle return at once, so no wake-up is lost.
 */
export class Doorbell {
  private readonly i32: Int32Array;

  /** Creates a doorbell. */
  constructor(handle?: DoorbellHandle) {
    this.i32 = new Int32Array(handle?.sab ?? new SharedArrayBuffer(BELL_BYTES));
  }

  /** Rebuilds the doorbell in another thread. */
  static attach(handle: DoorbellHandle): Doorbell {
    return new Doorbell(handle);
  }

  /** Returns plain structured-cloneable data for `attach`. */
  handle(): DoorbellHandle {
    return { sab: this.i32.buffer as SharedArrayBuffer };
  }

  /** Returns the current ring count; pass it to `waitIdle`. */
  value(): number {
    // why: seq-cst read taken before draining, so any later ring() changes it.
    return Atomics.load(this.i32, BELL_SEQ);
  }

  /** Rings: bumps the counter and wakes the receiver if it sleeps. Call after publishing ring data. */
  ring(): void {
    // why: seq-cst add is ordered after the ring's tail store and before the sleeper check (Dekker with waitIdle).
    Atomics.add(this.i32, BELL_SEQ, 1);
    // why: notify costs a lock in V8; skip it when nobody can be asleep (waitIdle registers before sleeping).
    if (Atomics.load(this.i32, BELL_SLEEPERS) !== 0) Atomics.notify(this.i32, BELL_SEQ);
  }

  /**
   * Sleeps until the counter differs from `seen` or `timeoutMs` passes
   * (Infinity = no timeout); returns Atomics.wait's result ('not-equal' if
   * it already differed).
   */
  waitIdle(seen: number, timeoutMs: number): DoorbellWaitResult {
    // why: register as sleeper before re-checking the counter, so a concurrent ring() either sees us or changes the counter first.
    Atomics.add(this.i32, BELL_SLEEPERS, 1);
    try {
      // why: sleeps only if no ring happened since `seen`.
      return Atomics.wait(this.i32, BELL_SEQ, seen, timeoutMs);
    } finally {
      // why: deregister so ring() stops notifying.
      Atomics.sub(this.i32, BELL_SLEEPERS, 1);
    }
  }
}
