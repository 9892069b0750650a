/**
 * Reusable N-party barrier in a SharedArrayBuffer, with an optional exact
 * min-reduction (used to agree on the next simulated-time window) and an
 * abort that wakes every waiter so one failing worker never hangs the rest.
 */
import { CdmsimError } from '@cdmsim/engine';
import {
  BAR_ABORTED,
  BAR_BYTES,
  BAR_COUNT,
  BAR_GENERATION,
  BAR_PARTIES,
  BAR_REDUCE_ACC_I64,
  BAR_REDUCE_RESULT_I64,
} from './layout.js';

/** Thrown by `wait`/`arriveAndReduceMin` once the barrier is aborted. */
export class BarrierAborted extends CdmsimError {
  override readonly name = 'BarrierAborted';
}

/** Structured-cloneable description of a Barrier. */
export interface BarrierHandle {
  readonly sab: SharedArrayBuffer;
}

// Per-thread scratch to reinterpret float64 <-> int64 bit patterns.
const scratchF64 = new Float64Array(1);
const scratchI64 = new BigInt64Array(scratchF64.buffer);

function toBits(value: number): bigint {
  scratchF64[0] = value === 0 ? 0 : value; // folds -0 into +0
  return scratchI64[0]!;
}

function fromBits(bits: bigint): number {
  scratchI64[0] = bits;
  return scratchF64[0]!;
}

/** Bit pattern of +Infinity: the identity of the min-reduction. */
const INFINITY_BITS = toBits(Infinity);

/**
 * Reusable barrier for a fixed number of parties across threads. Each party
 * calls `wait()` or `arriveAndReduceMin(v)` once per generation.
 */
export class Barrier {
  /** Number of parties. */
  readonly parties: number;
  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;

  /** Creates a barrier for `parties` threads. */
  constructor(parties: number);
  /** @internal used by `attach`. */
  constructor(parties: number, handle: BarrierHandle);
  constructor(parties: number, handle?: BarrierHandle) {
    const sab = handle?.sab ?? new SharedArrayBuffer(BAR_BYTES);
    this.i32 = new Int32Array(sab);
    this.i64 = new BigInt64Array(sab);
    if (!handle) {
      if (!Number.isInteger(parties) || parties < 1) throw new CdmsimError(`Barrier: parties must be >= 1, got ${parties}`);
      this.i32[BAR_PARTIES] = parties;
      this.i64[BAR_REDUCE_ACC_I64] = INFINITY_BITS;
      this.i64[BAR_REDUCE_RESULT_I64] = INFINITY_BITS;
    }
    // why: attach may run before any barrier traffic; a load is enough to read the immutable party count.
    this.parties = Atomics.load(this.i32, BAR_PARTIES);
  }

  /** Rebuilds the barrier in another thread. */
  static attach(handle: BarrierHandle): Barrier {
    return new Barrier(0, handle);
  }

  /** Returns plain structured-cloneable data for `attach`. */
  handle(): BarrierHandle {
    return { sab: this.i32.buffer as SharedArrayBuffer };
  }

  /** Blocks until all parties arrived; returns the completed generation. Throws BarrierAborted after `abort()`. */
  wait(): number {
    return this.arrive(INFINITY_BITS);
  }

  /**
   * Arrives with a non-negative `value` (<= 2^53 or Infinity) and blocks until
   * all parties arrived; returns the minimum value contributed in this
   * generation, identical in every party. Throws BarrierAborted after `abort()`.
   */
  arriveAndReduceMin(value: number): number {
    if (!(value >= 0)) throw new CdmsimError(`Barrier.arriveAndReduceMin: value must be non-negative, got ${value}`);
    this.arrive(toBits(value));
    // why: the last arriver stored the result before bumping the generation we observed; it cannot change until we arrive again.
    return fromBits(Atomics.load(this.i64, BAR_REDUCE_RESULT_I64));
  }

  /** Returns whether the barrier was aborted. */
  aborted(): boolean {
    // why: plain status read; seq-cst load sees an abort published by any thread.
    return Atomics.load(this.i32, BAR_ABORTED) !== 0;
  }

  /** Aborts the barrier: every current and future waiter throws BarrierAborted. Idempotent. */
  abort(): void {
    // why: publish the flag before the generation bump so woken waiters see it.
    Atomics.store(this.i32, BAR_ABORTED, 1);
    // why: changing the generation makes a waiter that has not yet slept return from Atomics.wait at once.
    Atomics.add(this.i32, BAR_GENERATION, 1);
    // why: wake everyone sleeping on the generation word.
    Atomics.notify(this.i32, BAR_GENERATION);
  }

  private arrive(bits: bigint): number {
    const i32 = this.i32;
    if (this.aborted()) throw new BarrierAborted('barrier aborted');
    // why: read the generation before arriving, so the release we wait for is the one our arrival helps complete.
    const gen = Atomics.load(i32, BAR_GENERATION);
    if (bits !== INFINITY_BITS) this.contributeMin(bits);
    // why: the seq-cst add orders our contribution before the last arriver's read of the accumulator.
    const arrived = Atomics.add(i32, BAR_COUNT, 1) + 1;
    if (arrived === this.parties) {
      // why: every party contributed before its add, so the accumulator is final; exchange also resets it.
      const min = Atomics.exchange(this.i64, BAR_REDUCE_ACC_I64, INFINITY_BITS);
      // why: result must be visible before the generation bump releases the waiters.
      Atomics.store(this.i64, BAR_REDUCE_RESULT_I64, min);
      // why: reset the count before release; no party can arrive again until the generation changes.
      Atomics.store(i32, BAR_COUNT, 0);
      // why: the generation bump is the release that waiters sleep on.
      Atomics.add(i32, BAR_GENERATION, 1);
      // why: wake all sleepers of this generation.
      Atomics.notify(i32, BAR_GENERATION);
      return gen;
    }
    // why: sleep only while the generation is unchanged; a bump before the wait makes it return "not-equal".
    while (Atomics.load(i32, BAR_GENERATION) === gen) Atomics.wait(i32, BAR_GENERATION, gen);
    if (this.aborted()) throw new BarrierAborted('barrier aborted');
    return gen;
  }

  private contributeMin(bits: bigint): void {
    // why: non-negative float64 bit patterns order like the numbers, so an int64 CAS-min is exact and order independent.
    let cur = Atomics.load(this.i64, BAR_REDUCE_ACC_I64);
    while (bits < cur) {
      // why: CAS retries only if another party lowered the minimum meanwhile.
      const seen = Atomics.compareExchange(this.i64, BAR_REDUCE_ACC_I64, cur, bits);
      if (seen === cur) return;
      cur = seen;
    }
  }
}
