/**
 * Word locks: a lock is one Int32 word in shared memory (page lock, PTE
 * lock). The model code calls one `WordLock`; the run mode picks the
 * implementation: a real futex mutex in free mode, an ownership check that
 * throws on contention in deterministic mode.
 */
import { CdmsimError, OwnershipViolation } from '@cdmsim/engine';
import { LOCK_CONTENDED, LOCK_FREE, LOCK_HELD } from './layout.js';

/** A lock living in one Int32 word of a SharedArrayBuffer. */
export interface WordLock {
  /** Acquires the lock in `word[index]`; returns once held. */
  lock(word: Int32Array, index: number): void;
  /** Acquires the lock if free; returns whether it is now held by the caller. */
  tryLock(word: Int32Array, index: number): boolean;
  /** Releases the lock; the caller must hold it. */
  unlock(word: Int32Array, index: number): void;
}

/** Per-thread counters of a FreeModeLock (plain object, not shared). */
export interface LockStats {
  /** Successful lock()/tryLock() acquisitions. */
  acquisitions: number;
  /** lock() calls that found the lock held. */
  contentions: number;
  /** Times a thread went to sleep in Atomics.wait. */
  sleeps: number;
}

/** Options of FreeModeLock. */
export interface FreeModeLockOptions {
  /** Polls of the word before sleeping on a contended lock (default 100). */
  readonly spins?: number;
}

/**
 * Free-mode lock: the classic futex mutex (Drepper, "Futexes are tricky",
 * mutex 2). 0 free, 1 held, 2 held and maybe waited on; unlock notifies only
 * when the word was 2. Contentions are counted in `stats`.
 */
export class FreeModeLock implements WordLock {
  /** Counters of this thread's use of this lock object. */
  readonly stats: LockStats = { acquisitions: 0, contentions: 0, sleeps: 0 };
  private readonly spins: number;

  /** Creates a lock implementation (stateless apart from this thread's stats). */
  constructor(options: FreeModeLockOptions = {}) {
    this.spins = options.spins ?? 100;
  }

  /** Acquires the lock, sleeping in Atomics.wait while another thread holds it. */
  lock(word: Int32Array, index: number): void {
    // why: compareExchange is the acquire; seq-cst orders the critical section after it.
    let c = Atomics.compareExchange(word, index, LOCK_FREE, LOCK_HELD);
    this.stats.acquisitions++;
    if (c === LOCK_FREE) return;
    this.stats.contentions++;
    for (let i = 0; i < this.spins && c === LOCK_HELD; i++) {
      // why: cheap uncontended retry before marking the word contended (which forces a notify on unlock).
      c = Atomics.compareExchange(word, index, LOCK_FREE, LOCK_HELD);
      if (c === LOCK_FREE) return;
    }
    // why: exchange to 2 both acquires (if it returns 0) and tells the holder to notify on unlock.
    if (c !== LOCK_CONTENDED) c = Atomics.exchange(word, index, LOCK_CONTENDED);
    while (c !== LOCK_FREE) {
      this.stats.sleeps++;
      // why: sleeps only while the word is still 2, so an unlock between the exchange and the wait is not missed.
      Atomics.wait(word, index, LOCK_CONTENDED);
      // why: take the lock as contended: another sleeper may remain, so our unlock must notify.
      c = Atomics.exchange(word, index, LOCK_CONTENDED);
    }
  }

  /** Acquires the lock only if free; never sleeps. */
  tryLock(word: Int32Array, index: number): boolean {
    // why: single CAS is the acquire; failure leaves the word untouched.
    const ok = Atomics.compareExchange(word, index, LOCK_FREE, LOCK_HELD) === LOCK_FREE;
    if (ok) this.stats.acquisitions++;
    return ok;
  }

  /** Releases the lock, waking one sleeper if the word says there may be one. Throws if the lock was free. */
  unlock(word: Int32Array, index: number): void {
    // why: exchange is the release and tells us whether anyone may be asleep.
    const prev = Atomics.exchange(word, index, LOCK_FREE);
    if (prev === LOCK_CONTENDED) {
      // why: wake one sleeper; it re-takes the lock as contended so the chain continues.
      Atomics.notify(word, index, 1);
    } else if (prev === LOCK_FREE) {
      throw new CdmsimError(`unlock of a free lock (word ${index})`);
    }
  }
}

/** Options of DeterministicModeLock. */
export interface DeterministicModeLockOptions {
  /** Tag stored in held locks, >= 1; use worker index + 1 so errors name the holder. */
  readonly owner: number;
  /** Name of the lock kind for error messages, e.g. "page lock". */
  readonly name?: string;
}

/**
 * Deterministic-mode lock: within a window no two workers touch the same
 * state, so a held lock found by another owner is a design bug and throws
 * OwnershipViolation instead of waiting. The word stores the owner tag, so
 * `tryLock` on a lock the caller already holds returns false
 * deterministically, while one held by another owner throws.
 */
export class DeterministicModeLock implements WordLock {
  /** Owner tag of this thread. */
  readonly owner: number;
  /** Lock kind for messages. */
  readonly name: string;

  /** Creates the lock implementation of one worker; `owner` must be unique per worker. */
  constructor(options: DeterministicModeLockOptions) {
    if (!Number.isInteger(options.owner) || options.owner < 1) {
      throw new CdmsimError(`DeterministicModeLock: owner must be an integer >= 1, got ${options.owner}`);
    }
    this.owner = options.owner;
    this.name = options.name ?? 'lock';
  }

  /** Acquires the lock; throws OwnershipViolation if anyone (including the caller) holds it. */
  lock(word: Int32Array, index: number): void {
    // why: one CAS both acquires and reports the current holder if it fails.
    const prev = Atomics.compareExchange(word, index, LOCK_FREE, this.owner);
    if (prev !== LOCK_FREE) throw this.violation(index, prev, 'lock');
  }

  /** Acquires the lock if free; false if the caller holds it; throws if another owner holds it. */
  tryLock(word: Int32Array, index: number): boolean {
    // why: one CAS both acquires and reports the current holder if it fails.
    const prev = Atomics.compareExchange(word, index, LOCK_FREE, this.owner);
    if (prev === LOCK_FREE) return true;
    if (prev === this.owner) return false;
    throw this.violation(index, prev, 'tryLock');
  }

  /** Releases the lock; throws OwnershipViolation unless the caller holds it. */
  unlock(word: Int32Array, index: number): void {
    // why: CAS from our tag to free releases only a lock we own.
    const prev = Atomics.compareExchange(word, index, this.owner, LOCK_FREE);
    if (prev !== this.owner) {
      throw new OwnershipViolation(`${this.name} (word ${index}): owner ${this.owner} unlocks a lock ${prev === LOCK_FREE ? 'that is free' : `held by owner ${prev}`}`);
    }
  }

  private violation(index: number, holder: number, op: string): OwnershipViolation {
    const who = holder === this.owner ? 'the caller itself' : `owner ${holder}`;
    return new OwnershipViolation(
      `${this.name} (word ${index}): ${op} by owner ${this.owner} found it held by ${who}; deterministic mode forbids contention`,
    );
  }
}
