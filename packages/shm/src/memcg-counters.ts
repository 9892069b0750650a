/**
 * The page counters of every memory cgroup in one SharedArrayBuffer, so
 * that processes on different CPU-node workers can charge the same memcg
 * (`struct page_counter`, mm/page_counter.c). The hierarchy itself (parent
 * of each id) is plain data every worker builds identically; the numbers
 * live here. Every update is an Atomics read-modify-write, so concurrent
 * charges never lose an update; `tryCharge` adds first and backs out when a
 * level is over its limit, as `page_counter_try_charge` does.
 */
import {
  MC_FAILCNT,
  MC_LIMIT,
  MC_LOCAL_ANON,
  MC_LOCAL_BY_TYPE,
  MC_LOCAL_FILE,
  MC_LOCAL_SHMEM,
  MC_STRIDE_WORDS,
  MC_UNDECLARED,
  MC_UNLIMITED,
  MC_USAGE,
  WORD_BYTES,
} from './layout.js';

/** Structured-cloneable handle of the memcg counters. */
export interface MemcgCountersHandle {
  readonly sab: SharedArrayBuffer;
  readonly capacity: number;
}

/** Which per-memcg statistic a charge moves (MEMCG_RSS, MEMCG_CACHE, NR_SHMEM; shmem also counts as cache). */
export type MemcgStat = 'anon' | 'file' | 'shmem';

const STAT_WORD: Readonly<Record<MemcgStat, number>> = { anon: MC_LOCAL_ANON, file: MC_LOCAL_FILE, shmem: MC_LOCAL_SHMEM };

/** Shared page counters of memcg ids 1 … capacity-1. */
export class MemcgCounters {
  readonly capacity: number;
  readonly #sab: SharedArrayBuffer;
  readonly #w: Int32Array;

  private constructor(sab: SharedArrayBuffer, capacity: number) {
    this.#sab = sab;
    this.capacity = capacity;
    this.#w = new Int32Array(sab);
  }

  /** Creates counters for ids below `capacity` (id 0 is "not charged" and has no slot in use). */
  static create(capacity: number): MemcgCounters {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`MemcgCounters: capacity ${capacity} must be an integer ≥ 2`);
    const sab = new SharedArrayBuffer(capacity * MC_STRIDE_WORDS * WORD_BYTES);
    const words = new Int32Array(sab);
    for (let id = 0; id < capacity; id++) words[id * MC_STRIDE_WORDS + MC_LIMIT] = MC_UNDECLARED; // not shared yet: plain stores
    return new MemcgCounters(sab, capacity);
  }

  /** Attaches to counters created elsewhere (another worker). */
  static attach(h: MemcgCountersHandle): MemcgCounters {
    return new MemcgCounters(h.sab, h.capacity);
  }

  /** The handle to post to workers. */
  handle(): MemcgCountersHandle {
    return { sab: this.#sab, capacity: this.capacity };
  }

  #base(id: number): number {
    if (!Number.isInteger(id) || id < 1 || id >= this.capacity) throw new RangeError(`MemcgCounters: memcg id ${id} outside 1..${this.capacity - 1}`);
    return id * MC_STRIDE_WORDS;
  }

  /**
   * Declares memcg `id` with `limitPages` (Infinity = none). Idempotent:
   * every worker declares the same hierarchy; the first one sets the limit,
   * later ones with the same limit change nothing. Returns false when the
   * id exists with a different limit.
   */
  declare(id: number, limitPages: number): boolean {
    const limit = encodeLimit(limitPages);
    // why: one CAS both claims the slot and publishes its limit, so a later declarer never sees a claimed slot without its limit.
    const seen = Atomics.compareExchange(this.#w, this.#base(id) + MC_LIMIT, MC_UNDECLARED, limit);
    return seen === MC_UNDECLARED || seen === limit;
  }

  /** The limit of `id` in pages (Infinity = none). */
  limit(id: number): number {
    // why: the limit may be changed by another worker.
    const v = Atomics.load(this.#w, this.#base(id) + MC_LIMIT);
    return v === MC_UNLIMITED ? Infinity : v;
  }

  /** Hierarchical usage of `id` in pages. */
  usage(id: number): number {
    // why: other workers charge concurrently; read the current total.
    return Atomics.load(this.#w, this.#base(id) + MC_USAGE);
  }

  /** Charges refused on the limit of `id`. */
  failcnt(id: number): number {
    // why: another worker may have counted a failure.
    return Atomics.load(this.#w, this.#base(id) + MC_FAILCNT);
  }

  /**
   * `page_counter_try_charge` of `pages` pages (default 1) on the levels
   * `path` (the memcg first, then each ancestor): adds them to each level's
   * usage; when a level goes over its limit, counts a failure there, backs
   * out the levels already charged and returns the index of the refusing
   * level in `path`. Returns -1 when every level took the charge.
   */
  tryChargeUsage(path: readonly number[], pages = 1): number {
    for (let i = 0; i < path.length; i++) {
      const b = this.#base(path[i]!);
      // why: add-then-check makes concurrent charges race-free (a charge that sees itself over the limit backs out).
      const now = Atomics.add(this.#w, b + MC_USAGE, pages) + pages;
      // why: the limit may be set by another worker.
      if (now > Atomics.load(this.#w, b + MC_LIMIT)) {
        // why: undo our own add; other charges stay.
        Atomics.sub(this.#w, b + MC_USAGE, pages);
        // why: failure counters are bumped by any worker.
        Atomics.add(this.#w, b + MC_FAILCNT, 1);
        for (let j = 0; j < i; j++) {
          // why: back out the levels charged before the refusing one.
          Atomics.sub(this.#w, this.#base(path[j]!) + MC_USAGE, pages);
        }
        return i;
      }
    }
    return -1;
  }

  /** Adds `delta` to the usage of every level in `path` without a limit check (uncharge, migration, forced charge). */
  addUsage(path: readonly number[], delta: number): void {
    // why: concurrent charges and uncharges on other workers must not be lost.
    for (const id of path) Atomics.add(this.#w, this.#base(id) + MC_USAGE, delta);
  }

  /** Adds `delta` to memcg `id`'s own statistic `stat` and its page-type counter `pageType`. */
  addLocal(id: number, stat: MemcgStat, pageType: number, delta: number): void {
    const b = this.#base(id);
    // why: two workers may move the same memcg's statistics at once.
    Atomics.add(this.#w, b + STAT_WORD[stat], delta);
    // why: NR_SHMEM pages are MEMCG_CACHE pages too.
    if (stat === 'shmem') Atomics.add(this.#w, b + MC_LOCAL_FILE, delta);
    // why: same as above, for the per-type split.
    Atomics.add(this.#w, b + MC_LOCAL_BY_TYPE + pageType, delta);
  }

  /** Pages charged to `id` itself as `stat`. */
  local(id: number, stat: MemcgStat): number {
    // why: other workers update the statistics.
    return Atomics.load(this.#w, this.#base(id) + STAT_WORD[stat]);
  }

  /** Pages charged to `id` itself on page type `pageType`. */
  localByType(id: number, pageType: number): number {
    // why: other workers update the statistics.
    return Atomics.load(this.#w, this.#base(id) + MC_LOCAL_BY_TYPE + pageType);
  }
}

function encodeLimit(limitPages: number): number {
  if (limitPages === Infinity) return MC_UNLIMITED;
  if (!Number.isInteger(limitPages) || limitPages < 0 || limitPages >= MC_UNLIMITED) throw new RangeError(`MemcgCounters: limit ${limitPages} pages is not an integer in 0..${MC_UNLIMITED - 1} or Infinity`);
  return limitPages;
}
