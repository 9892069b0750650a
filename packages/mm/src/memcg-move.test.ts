import { PG, PageType } from '@cdmsim/shm';
import { describe, expect, it } from 'vitest';
import { Errno } from './errno.js';
import { forkProcess } from './fork.js';
import { checkAllReleased, checkInvariants } from './invariants.js';
import { memcgMoveTask } from './memcg-move.js';
import { exitProcess } from './zap.js';
import { fillPages, makeWorld, mustMmap, pteOf } from './testing/index.js';

/** A task in memcg A with 2 RAM, 2 public and 2 private anon pages plus 1 shmem page. */
function task(limitB = Infinity) {
  const w = makeWorld();
  const a = w.core.memcgs.create('A');
  const b = w.core.memcgs.create('B', limitB);
  const p = w.spawn(0, a.id);
  const vpn = mustMmap(w, p, { pages: 6, kind: 'anon' });
  fillPages(w, p, vpn, 6, 0x10);
  w.device('public').driver.migrateToDevice(p.pid, vpn + 2, 2);
  w.device('private').driver.migrateToDevice(p.pid, vpn + 4, 2);
  const sh = mustMmap(w, p, { pages: 1, kind: 'shmem' });
  fillPages(w, p, sh, 1, 0x77);
  return { w, a, b, p, vpn };
}

describe('memcg move (mem_cgroup_move_charge_pte_range)', () => {
  it('memcg move: device pages (MC_TARGET_DEVICE) move their charges and per-memory-type counters with the task', () => {
    const { w, a, b, p, vpn } = task();
    expect(a.localByType[PageType.DEVICE_PUBLIC]).toBe(2);
    const refs = [0, 1, 2, 3, 4, 5].map((i) => w.core.frames.refcount(pteOf(w, p, vpn + i).pfn));
    const r = memcgMoveTask(w.core, p, b.id);
    expect(r).toEqual({ moved: 7, movedDevice: 4, skipped: 0 });
    expect(p.memcg).toBe(b.id);
    expect(a.usagePages).toBe(0);
    expect(b.usagePages).toBe(7);
    expect(b.local.anon).toBe(6);
    expect(b.local.shmem).toBe(1);
    expect(b.localByType[PageType.SYSTEM_RAM]).toBe(3);
    expect(b.localByType[PageType.DEVICE_PUBLIC]).toBe(2);
    expect(b.localByType[PageType.DEVICE_PRIVATE]).toBe(2);
    expect(a.localByType[PageType.DEVICE_PRIVATE]).toBe(0);
    // the temporary references are dropped; device pages never went near an LRU
    expect([0, 1, 2, 3, 4, 5].map((i) => w.core.frames.refcount(pteOf(w, p, vpn + i).pfn))).toEqual(refs);
    for (let i = 2; i < 6; i++) expect(w.core.frames.testFlag(pteOf(w, p, vpn + i).pfn, PG.LRU)).toBe(false);
    checkInvariants(w.core);
    // uncharging at exit hits the new memcg
    exitProcess(w.core, p);
    checkAllReleased(w.core);
  });

  it('memcg move: RAM pages (MC_TARGET_PAGE) are isolated from the LRU and put back on the same list', () => {
    const { w, b, p, vpn } = task();
    const pfn = pteOf(w, p, vpn).pfn;
    const wasActive = w.core.lruOf(pfn).isActive(pfn);
    memcgMoveTask(w.core, p, b.id);
    expect(w.core.lruOf(pfn).has(pfn)).toBe(true);
    expect(w.core.lruOf(pfn).isActive(pfn)).toBe(wasActive);
    expect(w.core.frames.memcg(pfn)).toBe(b.id);
  });

  it('memcg move: move_charge_at_immigrate without MOVE_ANON leaves anon and device-private charges behind', () => {
    const { w, a, b, p } = task();
    expect(memcgMoveTask(w.core, p, b.id, { anon: false, file: true })).toEqual({ moved: 1, movedDevice: 0, skipped: 0 });
    expect(a.local.anon).toBe(6);
    expect(a.localByType[PageType.DEVICE_PRIVATE]).toBe(2);
    expect(b.local.shmem).toBe(1);
    checkInvariants(w.core);
  });

  it('memcg move: the precharge fails with ENOMEM when the target cannot take every page; nothing moves', () => {
    const { w, a, b, p } = task(5);
    expect(memcgMoveTask(w.core, p, b.id)).toBe(Errno.ENOMEM);
    expect(p.memcg).toBe(a.id);
    expect(a.usagePages).toBe(7);
    expect(b.usagePages).toBe(0);
    checkInvariants(w.core);
  });

  it('memcg move: a page charged to another memcg (shared with a task elsewhere) stays charged there', () => {
    const { w, a, b, p, vpn } = task();
    const c = forkProcess(w.core, p);
    const other = w.core.memcgs.create('C');
    expect(memcgMoveTask(w.core, c, other.id)).toMatchObject({ moved: 7 });
    // the parent's pages (shared COW, now charged to C) are not A's any more: moving the parent moves nothing
    expect(memcgMoveTask(w.core, p, b.id)).toEqual({ moved: 0, movedDevice: 0, skipped: 0 });
    expect(w.core.frames.memcg(pteOf(w, p, vpn + 2).pfn)).toBe(other.id);
    expect(a.usagePages).toBe(0);
    checkInvariants(w.core);
  });
});
