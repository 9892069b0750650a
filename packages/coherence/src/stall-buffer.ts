/**
 * Per-line queue of stalled events (gem5's recycle). An event that stalls is
 * retried after the next transition of its line. Order per source is kept: a
 * later event from the same source waits behind a stalled one, because the
 * protocol relies on FIFO delivery per (source, destination) pair.
 */
import type { LineAddr } from './messages.js';

/** A stalled item and the source whose order it must keep (`-1` for the local agent). */
export interface Stalled<T> {
  readonly source: number;
  readonly item: T;
}

/** Stalled events by line. */
export class StallBuffer<T> {
  readonly #byLine = new Map<LineAddr, Stalled<T>[]>();

  /** Returns true when `line` holds a stalled event from `source` (a new one from it must queue behind). */
  hasFrom(line: LineAddr, source: number): boolean {
    return this.#byLine.get(line)?.some((s) => s.source === source) ?? false;
  }

  /** Appends an event. */
  push(line: LineAddr, source: number, item: T): void {
    let q = this.#byLine.get(line);
    if (!q) this.#byLine.set(line, (q = []));
    q.push({ source, item });
  }

  /**
   * Retries the line's events in arrival order, skipping sources whose earlier
   * event still stalls; `attempt` returns true when the event was processed.
   * Restarts after each success (the line's state changed). Returns the number processed.
   */
  retry(line: LineAddr, attempt: (item: T) => boolean): number {
    let done = 0;
    for (;;) {
      const q = this.#byLine.get(line);
      if (!q || q.length === 0) {
        this.#byLine.delete(line);
        return done;
      }
      const blocked = new Set<number>();
      let progressed = false;
      for (let i = 0; i < q.length; i++) {
        const s = q[i]!;
        if (blocked.has(s.source)) continue;
        q.splice(i, 1);
        if (attempt(s.item)) {
          progressed = true;
          done++;
          break;
        }
        q.splice(i, 0, s);
        blocked.add(s.source);
      }
      if (!progressed) return done;
    }
  }

  /** Returns the number of stalled events of `line` (0 when none). */
  countOf(line: LineAddr): number {
    return this.#byLine.get(line)?.length ?? 0;
  }

  /** Returns the number of stalled events per line. */
  counts(): Map<LineAddr, number> {
    return new Map([...this.#byLine].map(([l, q]) => [l, q.length]));
  }
}
