/**
 * Moving a task between memory cgroups with its charges
 * (`mem_cgroup_can_attach` → `mem_cgroup_move_charge` →
 * `mem_cgroup_move_charge_pte_range`, mm/memcontrol.c with patch 5/6).
 * The task's page tables are walked through the `memcg-move` row of the
 * PTE table: present pages are found with `_vm_normal_page(..., true)`;
 * RAM pages are isolated from the LRU around `mem_cgroup_move_account`
 * (MC_TARGET_PAGE); public pages and device-private entries are
 * MC_TARGET_DEVICE: referenced only if their refcount is above the idle 1
 * (`page_ref_add_unless(page, 1, 1)`), never isolated from an LRU.
 */
import { PG, PteKind, pteKind } from '@cdmsim/shm';
import type { Process } from './address-space.js';
import { Errno } from './errno.js';
import type { MemcgId } from './memcg.js';
import { isHmmDevicePage } from './memory-node.js';
import type { MmCore } from './mm-core.js';
import { putPage } from './page-lifetime.js';
import { pteAction } from './pte-transitions.js';
import { vmNormalPage } from './vm-normal-page.js';

/** `memory.move_charge_at_immigrate` bits: which charges follow the task (default both). */
export interface MoveChargeOptions {
  /** MOVE_ANON: anonymous pages (and device-private entries). */
  readonly anon?: boolean;
  /** MOVE_FILE: file and shmem pages. */
  readonly file?: boolean;
}

/** Counts of one move. */
export interface MoveChargeResult {
  /** Pages whose charge moved (`mc.moved_charge`). */
  readonly moved: number;
  /** Of those, ZONE_DEVICE pages (MC_TARGET_DEVICE). */
  readonly movedDevice: number;
  /** Target pages that could not move (locked, off the LRU, limit). */
  readonly skipped: number;
}

/** `enum mc_target_type`. */
type McTarget = { readonly type: 'page' | 'device'; readonly pfn: number } | null;

/**
 * Moves `proc` to memcg `to` and its charges with it. Only pages charged
 * to the old memcg move (a page shared with a task of another memcg
 * stays). Returns the counts, or ENOMEM when `to` cannot take every target
 * page (the precharge of `mem_cgroup_can_attach` failed: the task stays
 * where it was, nothing moved). Caller holds the task's mmap lock; takes
 * PTE and page locks.
 */
export function memcgMoveTask(core: MmCore, proc: Process, to: MemcgId, opts: MoveChargeOptions = {}): MoveChargeResult | Errno {
  const flags = { anon: opts.anon ?? true, file: opts.file ?? true };
  const from = proc.memcg;
  const target = core.memcgs.get(to);
  if (from === to) return { moved: 0, movedDevice: 0, skipped: 0 };
  // mem_cgroup_count_precharge + mem_cgroup_precharge: every level of `to` that is not also above `from` must have room.
  const precharge = walk(core, proc, from, flags, () => undefined);
  const shared = new Set<number>(core.memcgs.get(from).path);
  const levels = target.path.filter((id) => !shared.has(id));
  if (core.memcgs.tryChargePages(levels, precharge) !== Errno.OK) return Errno.ENOMEM;
  // The precharge only proves room at this moment: it is cancelled at once and each page's move charges `to` again
  // (`moveOne`), so a page that lost a race for the room on another worker is skipped, never over-charged.
  core.memcgs.cancelCharge(levels, precharge);
  proc.memcg = to; // cgroup_migrate: new charges of the task go to `to` from now on
  let moved = 0;
  let movedDevice = 0;
  let skipped = 0;
  walk(core, proc, from, flags, (t) => {
    const r = moveOne(core, t, to);
    if (r === Errno.OK) {
      moved++;
      if (t.type === 'device') movedDevice++;
    } else skipped++;
  });
  return { moved, movedDevice, skipped };
}

/**
 * Walks every VMA of `proc`; for each target page (`get_mctgt_type`, with
 * the reference it takes) calls `visit`, then drops the reference. Returns
 * the number of targets. Takes each PTE lock around the lookup.
 */
function walk(core: MmCore, proc: Process, from: MemcgId, flags: { anon: boolean; file: boolean }, visit: (t: NonNullable<McTarget>) => void): number {
  const pt = core.pageTables;
  let n = 0;
  for (const v of proc.vmas) {
    pt.forEachPresent(proc.root, v.start, v.end, (vpn, pte) => {
      const t = core.withPteLock(pte, () => getMctgtType(core, proc, vpn, pte, from, flags));
      if (!t) return;
      n++;
      visit(t);
      putPage(core, t.pfn); // the reference get_mctgt_type took
    });
  }
  return n;
}

/**
 * `get_mctgt_type` (+ `mc_handle_present_pte` / `mc_handle_swap_pte`):
 * returns the page to move with a reference taken, or null. Caller holds
 * the PTE lock.
 */
function getMctgtType(core: MmCore, proc: Process, vpn: number, pte: number, from: MemcgId, flags: { anon: boolean; file: boolean }): McTarget {
  const f = core.frames;
  const bits = core.pageTables.readBits(pte);
  const pfn = core.pageTables.readPfn(pte);
  let page: number | null = null;
  switch (pteAction('memcg-move', pteKind(bits), proc.pid, vpn)) {
    case 'skip':
      return null;
    case 'move-page':
      page = vmNormalPage(core, pfn, bits, true);
      break;
    case 'move-device':
      // mc_handle_swap_pte: device_private_entry_to_page; mc_handle_present_pte: public page (a dax host page is null).
      page = pteKind(bits) === PteKind.DEVICE_PRIVATE ? pfn : vmNormalPage(core, pfn, bits, true);
      break;
  }
  if (page === null || f.mapcount(page) === 0) return null; // !page_mapped
  const anon = f.testFlag(page, PG.ANON);
  if (anon ? !flags.anon : !flags.file) return null;
  const device = isHmmDevicePage(f, page);
  // ZONE_DEVICE pages are idle at refcount 1 (page_ref_add_unless(page, 1, 1)); RAM pages at 0 (get_page_unless_zero).
  if (!f.refIncUnless(page, f.idleRefcount(page))) return null;
  if (f.memcg(page) !== from) {
    putPage(core, page);
    return null;
  }
  return { type: device ? 'device' : 'page', pfn: page };
}

/**
 * One target of `mem_cgroup_move_charge_pte_range`: MC_TARGET_PAGE is
 * isolated from its LRU around `mem_cgroup_move_account` and put back;
 * MC_TARGET_DEVICE is moved without touching any LRU. The move itself
 * needs the page lock (trylock, EBUSY if held).
 */
function moveOne(core: MmCore, t: NonNullable<McTarget>, to: MemcgId): Errno {
  const f = core.frames;
  let wasActive = false;
  if (t.type === 'page') {
    const lru = core.lruOf(t.pfn);
    wasActive = lru.isActive(t.pfn);
    if (!lru.del(t.pfn)) return Errno.EBUSY; // isolate_lru_page failed
  }
  let r: Errno = Errno.EBUSY;
  if (f.trylockPage(t.pfn)) {
    r = core.memcgs.moveAccount(t.pfn, to);
    f.unlockPage(t.pfn);
  }
  if (t.type === 'page') core.lruOf(t.pfn).add(t.pfn, wasActive); // putback_lru_page
  return r;
}
