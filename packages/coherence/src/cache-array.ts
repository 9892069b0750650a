/**
 * A set-associative tag array with LRU replacement. Holds per-line records of
 * any shape; knows nothing about coherence. The cache controller decides which
 * lines may be victims (only lines in stable states).
 */
import { CdmsimError } from '@cdmsim/engine';
import type { CacheSpec } from '@cdmsim/config';
import type { LineAddr } from './messages.js';

interface Way<T> {
  line: LineAddr;
  record: T;
  lastUsed: number;
}

/** Sets × ways of line records with LRU order per set. */
export class CacheArray<T> {
  readonly sets: number;
  readonly ways: number;
  readonly lineBytes: number;
  readonly #sets: Way<T>[][];
  readonly #byLine = new Map<LineAddr, Way<T>>();
  #clock = 0;

  /**
   * Builds the array for `spec`.
   * @throws Error when `sizeBytes` is not a positive multiple of `ways * lineBytes`.
   */
  constructor(spec: Pick<CacheSpec, 'sizeBytes' | 'ways' | 'lineBytes'>) {
    const setBytes = spec.ways * spec.lineBytes;
    if (spec.ways < 1 || spec.sizeBytes < setBytes || spec.sizeBytes % setBytes !== 0) {
      throw new CdmsimError(`cache size ${spec.sizeBytes} B is not a positive multiple of ways (${spec.ways}) × line (${spec.lineBytes} B)`);
    }
    this.sets = spec.sizeBytes / setBytes;
    this.ways = spec.ways;
    this.lineBytes = spec.lineBytes;
    this.#sets = Array.from({ length: this.sets }, () => []);
  }

  /** Returns the set index of `line`. */
  setOf(line: LineAddr): number {
    return Math.floor(line / this.lineBytes) % this.sets;
  }

  /** Returns the record of `line`, or undefined when absent. Does not touch LRU. */
  get(line: LineAddr): T | undefined {
    return this.#byLine.get(line)?.record;
  }

  /** Marks `line` most recently used (no-op when absent). */
  touch(line: LineAddr): void {
    const w = this.#byLine.get(line);
    if (w) w.lastUsed = ++this.#clock;
  }

  /** Returns true when `line`'s set has a free way. */
  hasRoom(line: LineAddr): boolean {
    return this.#sets[this.setOf(line)]!.length < this.ways;
  }

  /** Returns the least recently used line in `line`'s set among those `evictable` accepts, or undefined. */
  victim(line: LineAddr, evictable: (record: T) => boolean): LineAddr | undefined {
    let best: Way<T> | undefined;
    for (const w of this.#sets[this.setOf(line)]!) if (evictable(w.record) && (!best || w.lastUsed < best.lastUsed)) best = w;
    return best?.line;
  }

  /**
   * Inserts `line` with `record`. Caller must hold: the line is absent and its set has room.
   * @throws Error otherwise.
   */
  insert(line: LineAddr, record: T): void {
    const set = this.#sets[this.setOf(line)]!;
    if (this.#byLine.has(line) || set.length >= this.ways) throw new CdmsimError(`cannot insert line ${line}: present or set full`);
    const w = { line, record, lastUsed: ++this.#clock };
    set.push(w);
    this.#byLine.set(line, w);
  }

  /** Replaces the record of a present `line` without touching LRU. @throws Error when absent. */
  replace(line: LineAddr, record: T): void {
    const w = this.#byLine.get(line);
    if (!w) throw new CdmsimError(`cannot replace line ${line}: absent`);
    w.record = record;
  }

  /** Removes `line` (no-op when absent). */
  remove(line: LineAddr): void {
    const w = this.#byLine.get(line);
    if (!w) return;
    const set = this.#sets[this.setOf(line)]!;
    set.splice(set.indexOf(w), 1);
    this.#byLine.delete(line);
  }

  /** Returns every present line and its record. */
  entries(): [LineAddr, T][] {
    return [...this.#byLine].map(([l, w]) => [l, w.record]);
  }
}
