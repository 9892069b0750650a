/**
 * Memory cgroups: a hierarchy with page limits, charge / uncharge / migrate
 * / move, after mm/memcontrol.c with patches 4/6 and 5/6. Device pages are
 * charged exactly like the page they replace. The tree and its counters
 * are plain data every worker builds identically; the counters are shared
 * (MemcgCounters, atomic), so processes on several CPU nodes charge the
 * same memcgs; the charge of each page is the memcg id in its shared frame
 * record.
 */
import { CdmsimError, InvariantViolation } from '@cdmsim/engine';
import { MEMCG_ID_MAX, MemcgCounters, type FrameTable } from '@cdmsim/shm';
import { Errno } from './errno.js';
import { PAGE_TYPE_COUNT, mmCounter, type MmCounter } from './rss.js';

/** Branded memcg id (1 = root; 0 in a frame record = not charged). */
export type MemcgId = number & { readonly __brand: 'MemcgId' };

/** The root memcg id. */
export const ROOT_MEMCG = 1 as MemcgId;

/**
 * One memory cgroup. The numbers live in the shared MemcgCounters (so
 * processes on several CPU-node workers can charge it); this object is the
 * hierarchy and a typed view of them. `local*` count pages charged to this
 * memcg itself; `usagePages` is hierarchical (page_counter).
 */
export class Memcg {
  readonly id: MemcgId;
  readonly name: string;
  readonly parent: Memcg | null;
  /** This memcg then each ancestor, up to the root (the page_counter hierarchy). */
  readonly path: readonly number[];
  readonly #counters: MemcgCounters;

  constructor(id: MemcgId, name: string, parent: Memcg | null, counters: MemcgCounters) {
    this.id = id;
    this.name = name;
    this.parent = parent;
    this.#counters = counters;
    this.path = [id, ...(parent?.path ?? [])];
  }

  /** Hard limit in pages (`memory.max`); Infinity = none. */
  get limitPages(): number {
    return this.#counters.limit(this.id);
  }

  /** Pages charged to this memcg and its descendants (`page_counter` usage). */
  get usagePages(): number {
    return this.#counters.usage(this.id);
  }

  /** Pages charged to this memcg itself, split by counter (MEMCG_RSS / MEMCG_CACHE / NR_SHMEM); a snapshot. */
  get local(): Readonly<Record<MmCounter, number>> {
    const c = this.#counters;
    return { anon: c.local(this.id, 'anon'), file: c.local(this.id, 'file'), shmem: c.local(this.id, 'shmem') };
  }

  /** Extra: pages charged to this memcg itself, split by the page type they live on (index = PageType); a snapshot. */
  get localByType(): readonly number[] {
    return Array.from({ length: PAGE_TYPE_COUNT }, (_, t) => this.#counters.localByType(this.id, t));
  }
}

/** All memcgs of a machine. */
export class MemcgTree {
  readonly #byId = new Map<number, Memcg>();
  readonly #frames: FrameTable;
  /** The shared page counters of every memcg of the machine. */
  readonly counters: MemcgCounters;
  #nextId = ROOT_MEMCG + 1;
  /** The root memcg (unlimited). */
  readonly root: Memcg;

  /**
   * `counters` are the machine's shared memcg counters (default: private
   * ones for 1024 memcgs, for single-threaded use). Workers that share
   * counters must create the same memcgs in the same order, so that ids
   * and limits agree (`create` checks the limit).
   */
  constructor(frames: FrameTable, counters: MemcgCounters = MemcgCounters.create(1024)) {
    this.#frames = frames;
    this.counters = counters;
    counters.declare(ROOT_MEMCG, Infinity);
    this.root = new Memcg(ROOT_MEMCG, 'root', null, counters);
    this.#byId.set(ROOT_MEMCG, this.root);
  }

  /** Creates a child memcg of `parent` (default root) with a page limit; returns it. */
  create(name: string, limitPages = Infinity, parent: MemcgId = ROOT_MEMCG): Memcg {
    if (this.#nextId > MEMCG_ID_MAX || this.#nextId >= this.counters.capacity) throw new CdmsimError(`memcg: more than ${Math.min(MEMCG_ID_MAX, this.counters.capacity - 1)} cgroups`);
    const id = this.#nextId++ as MemcgId;
    if (!this.counters.declare(id, limitPages)) throw new CdmsimError(`memcg: id ${id} (${name}) exists in the shared counters with another limit (workers must create memcgs identically)`);
    const m = new Memcg(id, name, this.get(parent), this.counters);
    this.#byId.set(m.id, m);
    return m;
  }

  /** Returns the memcg with `id`; throws if unknown. */
  get(id: number): Memcg {
    const m = this.#byId.get(id);
    if (!m) throw new CdmsimError(`memcg: unknown id ${id}`);
    return m;
  }

  /** Every memcg. */
  all(): Memcg[] {
    return [...this.#byId.values()];
  }

  /**
   * Charges a page to `memcgId` (`mem_cgroup_try_charge` + `commit_charge`).
   * The page's ANON / SWAPBACKED flags must already say what it is. Returns
   * ENOMEM if any level of the hierarchy would exceed its limit (no charge
   * then). Caller owns the page (freshly allocated or page lock held).
   */
  tryCharge(memcgId: MemcgId, pfn: number): Errno {
    const f = this.#frames;
    if (f.memcg(pfn) !== 0) throw new InvariantViolation(`memcg: pfn ${pfn} is already charged to memcg ${f.memcg(pfn)}`);
    const m = this.get(memcgId);
    if (this.counters.tryChargeUsage(m.path) >= 0) return Errno.ENOMEM;
    this.#stat(m, pfn, +1);
    f.setMemcg(pfn, m.id);
    return Errno.OK;
  }

  /**
   * Uncharges one page (`mem_cgroup_uncharge` → `uncharge_page` +
   * `uncharge_batch` [4/6]): works on a single page, never reads or writes
   * LRU state, so ZONE_DEVICE pages can use it. No-op if not charged.
   * Caller has exclusive access to the page (last reference).
   */
  uncharge(pfn: number): void {
    const id = this.#frames.memcg(pfn);
    if (id === 0) return;
    this.#account(this.get(id), pfn, -1);
    this.#frames.setMemcg(pfn, 0);
  }

  /**
   * Moves the charge of `oldPfn` to `newPfn` during migration
   * (`mem_cgroup_migrate` → `commit_charge`): no limit check, so migration
   * (back to RAM too) never fails on a memcg limit [6/6]. The hierarchy's
   * usage is the same before and after, so only the memcg's own statistics
   * (by counter and page type) and the pages' memcg ids move; usage is
   * never touched, leaving no window in which another worker's try-charge
   * could take the page's slot. `newPfn` must carry the old page's
   * ANON/SWAPBACKED flags already. Caller holds both page locks.
   */
  migrate(oldPfn: number, newPfn: number): void {
    const id = this.#frames.memcg(oldPfn);
    if (id === 0) return;
    const m = this.get(id);
    this.#stat(m, oldPfn, -1);
    this.#frames.setMemcg(oldPfn, 0);
    this.#stat(m, newPfn, +1);
    this.#frames.setMemcg(newPfn, id);
  }

  /**
   * Moves one page's charge from its memcg to `to` (`mem_cgroup_move_account`).
   * Charges `to` with the limit check first (the precharge); returns ENOMEM
   * and leaves the page where it was if `to` is full. Caller holds the page.
   */
  moveAccount(pfn: number, to: MemcgId): Errno {
    const fromId = this.#frames.memcg(pfn);
    if (fromId === 0 || fromId === to) return Errno.OK;
    const from = this.get(fromId);
    this.#account(from, pfn, -1);
    this.#frames.setMemcg(pfn, 0);
    const r = this.tryCharge(to, pfn);
    if (r !== Errno.OK) {
      this.#account(from, pfn, +1);
      this.#frames.setMemcg(pfn, fromId);
    }
    return r;
  }

  /**
   * Charges `pages` pages to every level of `path` at once, with the limit
   * check (the precharge of a task move); returns OK or ENOMEM (nothing
   * charged). Undo with `cancelCharge`.
   */
  tryChargePages(path: readonly number[], pages: number): Errno {
    return this.counters.tryChargeUsage(path, pages) >= 0 ? Errno.ENOMEM : Errno.OK;
  }

  /** `mem_cgroup_cancel_charge`: drops `pages` of usage from every level of `path`. */
  cancelCharge(path: readonly number[], pages: number): void {
    this.counters.addUsage(path, -pages);
  }

  #account(m: Memcg, pfn: number, delta: 1 | -1): void {
    this.counters.addUsage(m.path, delta);
    this.#stat(m, pfn, delta);
  }

  /** Moves the memcg's own statistics for `pfn` (NR_SHMEM pages count as MEMCG_CACHE too). */
  #stat(m: Memcg, pfn: number, delta: 1 | -1): void {
    this.counters.addLocal(m.id, mmCounter(this.#frames, pfn), this.#frames.pageType(pfn), delta);
  }
}
