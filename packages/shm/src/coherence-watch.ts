/**
 * The coherence watch: per-line state shared by every node worker so that
 * the coherence invariants can be checked when the caches live in different
 * threads. Each cache records every permission change of a line (a reader
 * bit or the writer field of one holders word, changed by compareExchange so
 * that two workers' updates never interleave) and every store that performs
 * (the line's last value); every load compares its value with that.
 *
 * Wall-clock checks are sound for a correct protocol: a cache gives up a
 * permission (and records it here) before it sends the message that lets
 * another cache gain one, and that message is read from a ring after it was
 * written, so every hand-over is ordered in real time as in simulated time.
 * A conflict seen here is therefore a real protocol bug, in either run mode.
 * Conflicts are returned as values; the caller turns them into errors.
 */
import {
  CW_HEADER_WORDS,
  CW_HOLDERS,
  CW_LAST_VALUE,
  CW_LINE_STRIDE_WORDS,
  CW_READER_BITS,
  CW_READERS_MASK,
  CW_STORES,
  CW_VIOLATIONS,
  CW_WRITER_SHIFT,
  WORD_BYTES,
} from './layout.js';

/** What a cache may do with a line, as the watch records it. */
export type WatchPermission = 'none' | 'read' | 'read-write';

/** Structured-cloneable handle of a watch. */
export interface CoherenceWatchHandle {
  readonly sab: SharedArrayBuffer;
  readonly lines: number;
}

/** Who holds a line: the writer node (or undefined) and the read-only holders. */
export interface LineHolders {
  readonly writer: number | undefined;
  readonly readers: readonly number[];
}

/** Returned when a permission change breaks single-writer / multiple-reader. */
export interface SwmrConflict {
  readonly kind: 'swmr';
  /** Holders once the change is applied. */
  readonly holders: LineHolders;
}

/** Returned when a load or store performs without the permission it needs. */
export interface MissingPermission {
  readonly kind: 'missing-permission';
  readonly holders: LineHolders;
}

/** Returned when a load does not return the last stored value. */
export interface StaleValue {
  readonly kind: 'stale-value';
  readonly expected: number;
}

/** Error for a watch that cannot represent the machine (too many nodes). */
export class CoherenceWatchRangeError extends Error {
  override readonly name = 'CoherenceWatchRangeError';
}

function decode(word: number): LineHolders {
  const writer = word >>> CW_WRITER_SHIFT;
  const readers: number[] = [];
  for (let i = 0; i < CW_READER_BITS; i++) if (word & (1 << i)) readers.push(i);
  return { writer: writer === 0 ? undefined : writer - 1, readers };
}

/** The shared per-line holders and last values of the tested lines. */
export class CoherenceWatch {
  readonly lines: number;
  readonly #sab: SharedArrayBuffer;
  readonly #words: Int32Array;

  private constructor(sab: SharedArrayBuffer, lines: number) {
    this.#sab = sab;
    this.lines = lines;
    this.#words = new Int32Array(sab);
  }

  /** Returns a fresh watch for `lines` lines (no holder, last value 0 = memory's initial value). */
  static create(lines: number): CoherenceWatch {
    return new CoherenceWatch(new SharedArrayBuffer((CW_HEADER_WORDS + lines * CW_LINE_STRIDE_WORDS) * WORD_BYTES), lines);
  }

  /** Attaches a watch created on another thread. */
  static attach(handle: CoherenceWatchHandle): CoherenceWatch {
    return new CoherenceWatch(handle.sab, handle.lines);
  }

  /** Returns the structured-cloneable handle. */
  handle(): CoherenceWatchHandle {
    return { sab: this.#sab, lines: this.lines };
  }

  /** Highest node id the watch can record (one reader bit per node). */
  static readonly maxNodes = CW_READER_BITS;

  #slot(line: number): number {
    if (!(line >= 0 && line < this.lines)) throw new CoherenceWatchRangeError(`line index ${line} outside 0..${this.lines - 1}`);
    return CW_HEADER_WORDS + line * CW_LINE_STRIDE_WORDS;
  }

  /**
   * Records that `node` now has `permission` on line `line`. Returns the
   * conflict when another node holds write permission alongside any other
   * holder; the change is recorded either way.
   * @throws CoherenceWatchRangeError when `node` has no reader bit.
   */
  setPermission(line: number, node: number, permission: WatchPermission): SwmrConflict | undefined {
    if (node < 0 || node >= CW_READER_BITS) throw new CoherenceWatchRangeError(`node ${node}: the coherence watch records at most ${CW_READER_BITS} nodes`);
    const at = this.#slot(line) + CW_HOLDERS;
    const bit = 1 << node;
    for (;;) {
      // why: seq-cst load; the compareExchange below publishes the change only if nobody changed the word meanwhile.
      const old = Atomics.load(this.#words, at);
      let readers = old & CW_READERS_MASK & ~bit;
      let writer = old >>> CW_WRITER_SHIFT;
      if (writer === node + 1) writer = 0;
      if (permission === 'read') readers |= bit;
      else if (permission === 'read-write') writer = node + 1;
      const next = ((writer << CW_WRITER_SHIFT) | readers) | 0;
      // why: compareExchange makes the read-modify-write of the holders word atomic against other workers' changes.
      if (Atomics.compareExchange(this.#words, at, old, next) !== old) continue;
      const otherWriter = (old >>> CW_WRITER_SHIFT) !== 0 && (old >>> CW_WRITER_SHIFT) !== node + 1;
      const conflict = (permission !== 'none' && otherWriter) || (permission === 'read-write' && readers !== 0);
      return conflict ? { kind: 'swmr', holders: decode(next) } : undefined;
    }
  }

  /** Returns the line's holders now. */
  holders(line: number): LineHolders {
    // why: seq-cst load; a snapshot for a check or a report.
    return decode(Atomics.load(this.#words, this.#slot(line) + CW_HOLDERS));
  }

  /** Checks that `node` holds `need` on the line; returns what is missing as a value. */
  checkHolds(line: number, node: number, need: 'read' | 'read-write'): MissingPermission | undefined {
    // why: seq-cst load; one snapshot of the word, decoded only for a report.
    const word = Atomics.load(this.#words, this.#slot(line) + CW_HOLDERS);
    const ok = word >>> CW_WRITER_SHIFT === node + 1 || (need === 'read' && (word & (1 << node)) !== 0);
    return ok ? undefined : { kind: 'missing-permission', holders: decode(word) };
  }

  /** Records a store of `value` performing on the line (it becomes the line's last value). */
  recordStore(line: number, value: number): void {
    const slot = this.#slot(line);
    // why: seq-cst store; a later load on another worker is ordered after it by the messages that hand the line over.
    Atomics.store(this.#words, slot + CW_LAST_VALUE, value);
    // why: add; stores counter, read at the end of the run.
    Atomics.add(this.#words, slot + CW_STORES, 1);
  }

  /** Returns the line's last stored value (0 before any store). */
  lastValue(line: number): number {
    // why: seq-cst load pairs with the seq-cst store of recordStore.
    return Atomics.load(this.#words, this.#slot(line) + CW_LAST_VALUE);
  }

  /** Checks a load's value against the line's last stored value. */
  checkLoad(line: number, value: number): StaleValue | undefined {
    const expected = this.lastValue(line);
    return value === expected ? undefined : { kind: 'stale-value', expected };
  }

  /** Returns the number of stores performed on the line. */
  stores(line: number): number {
    // why: seq-cst load; counter read for reports.
    return Atomics.load(this.#words, this.#slot(line) + CW_STORES);
  }

  /** Counts one detected violation (so other workers and the main thread can see one happened). */
  recordViolation(): void {
    // why: add; any worker may detect one at any time.
    Atomics.add(this.#words, CW_VIOLATIONS, 1);
  }

  /** Returns the number of violations any worker recorded. */
  violations(): number {
    // why: seq-cst load; read at the end of the run.
    return Atomics.load(this.#words, CW_VIOLATIONS);
  }
}
