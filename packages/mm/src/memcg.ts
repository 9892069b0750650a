/**
 * Memory cgroups: a hierarchy with page limits, charge / uncharge / migrate
 * / move, after mm/memcontrol.c with patches 4/6 and 5/6. Device pages are
 * charged exactly like the page they replace. The tree and its counters
 * are plain JS owned by one node (the lead places it with the runtime's
 * control node); the charge of each page is the memcg id in its shared
 * frame record.
 */
import { CdmsimError, InvariantViolation } from '@cdmsim/engine';
import { MEMCG_ID_MAX, PageType, type FrameTable } from '@cdmsim/shm';
import { Errno } from './errno.js';
import { PAGE_TYPE_COUNT, mmCounter, type MmCounter } from './rss.js';

/** Branded memcg id (1 = root; 0 in a frame record = not charged). */
export type MemcgId = number & { readonly __brand: 'MemcgId' };

/** The root memcg id. */
export const ROOT_MEMCG = 1 as MemcgId;

/** One memory cgroup. Counters `local*` count pages charged to this memcg itself; `usagePages` is hierarchical (page_counter). */
export class Memcg {
  readonly id: MemcgId;
  readonly name: string;
  readonly parent: Memcg | null;
  /** Hard limit in pages (`memory.max`); Infinity = none. */
  limitPages: number;
  /** Pages charged to this memcg and its descendants (`page_counter` usage). */
  usagePages = 0;
  /** Pages charged to this memcg, split by counter (MEMCG_RSS / MEMCG_CACHE / NR_SHMEM). */
  readonly local: Record<MmCounter, number> = { anon: 0, file: 0, shmem: 0 };
  /** Extra: pages charged to this memcg, split by the page type they live on. */
  readonly localByType: number[] = new Array<number>(PAGE_TYPE_COUNT).fill(0);
  /** Times a charge failed on this memcg's limit. */
  failcnt = 0;

  constructor(id: MemcgId, name: string, parent: Memcg | null, limitPages: number) {
    this.id = id;
    this.name = name;
    this.parent = parent;
    this.limitPages = limitPages;
  }

  /** Pages charged to this memcg itself. */
  localPages(): number {
    return this.local.anon + this.local.file;
  }
}

/** All memcgs of a machine. */
export class MemcgTree {
  readonly #byId = new Map<number, Memcg>();
  readonly #frames: FrameTable;
  #nextId = ROOT_MEMCG + 1;
  /** The root memcg (unlimited). */
  readonly root: Memcg;

  constructor(frames: FrameTable) {
    this.#frames = frames;
    this.root = new Memcg(ROOT_MEMCG, 'root', null, Infinity);
    this.#byId.set(ROOT_MEMCG, this.root);
  }

  /** Creates a child memcg of `parent` (default root) with a page limit; returns it. */
  create(name: string, limitPages = Infinity, parent: MemcgId = ROOT_MEMCG): Memcg {
    if (this.#nextId > MEMCG_ID_MAX) throw new CdmsimError(`memcg: more than ${MEMCG_ID_MAX} cgroups`);
    const m = new Memcg(this.#nextId++ as MemcgId, name, this.get(parent), limitPages);
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
    for (let c: Memcg | null = m; c; c = c.parent) {
      if (c.usagePages + 1 > c.limitPages) {
        c.failcnt++;
        return Errno.ENOMEM;
      }
    }
    this.#account(m, pfn, +1);
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
   * (`mem_cgroup_migrate`): no limit check, so migration (back to RAM
   * too) never fails on a memcg limit [6/6]. `newPfn` must carry the old
   * page's ANON/SWAPBACKED flags already. Caller holds both page locks.
   */
  migrate(oldPfn: number, newPfn: number): void {
    const id = this.#frames.memcg(oldPfn);
    if (id === 0) return;
    const m = this.get(id);
    this.#account(m, oldPfn, -1);
    this.#frames.setMemcg(oldPfn, 0);
    this.#account(m, newPfn, +1);
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

  #account(m: Memcg, pfn: number, delta: 1 | -1): void {
    const counter = mmCounter(this.#frames, pfn);
    m.local[counter] += delta;
    if (counter === 'shmem') m.local.file += delta; // NR_SHMEM pages are also MEMCG_CACHE pages
    m.localByType[this.#frames.pageType(pfn) as PageType]! += delta;
    for (let c: Memcg | null = m; c; c = c.parent) c.usagePages += delta;
  }
}
