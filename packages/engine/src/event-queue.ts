/**
 * The per-node pending-event queue: a binary min-heap ordered by
 * (time, tie, src, seq). `tie` is a seeded key so that events at the same
 * simulated time are ordered reproducibly yet differently per seed; (src,
 * seq) is unique per event, so the order is total and never depends on
 * insertion order — which is what makes deterministic rounds reproducible.
 */
import type { Ps } from './time.js';

/** Ordering key fields every queued item carries. */
export interface Ordered {
  readonly timePs: Ps;
  readonly tie: number;
  readonly src: number;
  readonly seq: number;
}

/** Returns negative when `a` must run before `b`. */
export function compareOrdered(a: Ordered, b: Ordered): number {
  return a.timePs - b.timePs || a.tie - b.tie || a.src - b.src || a.seq - b.seq;
}

/** A min-heap of events; `pop` returns them in total (time, tie, src, seq) order. */
export class EventQueue<T extends Ordered> {
  readonly #heap: T[] = [];

  /** Number of queued events. */
  get size(): number {
    return this.#heap.length;
  }

  /** Time of the earliest event, or +Infinity when empty. */
  peekTime(): Ps {
    return this.#heap.length === 0 ? Number.POSITIVE_INFINITY : this.#heap[0]!.timePs;
  }

  /** Returns the earliest event without removing it. */
  peek(): T | undefined {
    return this.#heap[0];
  }

  /**
   * Visits queued events from the earliest, parents before children (heap
   * order: an event is never earlier than its parent); when `visit`
   * returns false the event's subtree is skipped, since none of it is
   * earlier. Lets a caller bound something over the events without
   * sorting them.
   */
  scan(visit: (item: T) => boolean): void {
    const heap = this.#heap;
    const walk = (i: number): void => {
      const item = heap[i];
      if (item === undefined || !visit(item)) return;
      walk(2 * i + 1);
      walk(2 * i + 2);
    };
    walk(0);
  }

  /** Adds an event. */
  push(item: T): void {
    const heap = this.#heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareOrdered(heap[parent]!, item) <= 0) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  /** Removes and returns the earliest event, or undefined when empty. */
  pop(): T | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && compareOrdered(heap[r]!, heap[l]!) < 0 ? r : l;
      if (compareOrdered(heap[child]!, last) >= 0) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
