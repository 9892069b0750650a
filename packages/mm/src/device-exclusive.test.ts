import { PTE_DIRTY, PTE_WRITE, PteKind } from '@cdmsim/shm';
import { describe, expect, it } from 'vitest';
import { writeBytes } from './access.js';
import { makeDeviceExclusive } from './device-exclusive.js';
import { Errno, errPtr } from './errno.js';
import { forkProcess } from './fork.js';
import { hmmRangeFault } from './hmm-range-fault.js';
import { checkAllReleased, checkInvariants } from './invariants.js';
import { migrateVmaCollect } from './migrate-vma.js';
import { mprotect } from './mprotect.js';
import { exitProcess } from './zap.js';
import { deviceWorld, fillPages, firstByte, makeWorld, mustMmap, pteOf } from './testing/index.js';

/** A world with one process and `pages` anonymous pages written with 0x40 + i. */
function anonWorld(pages = 2) {
  const w = makeWorld();
  const p = w.spawn();
  const vpn = mustMmap(w, p, { pages, kind: 'anon' });
  fillPages(w, p, vpn, pages, 0x40);
  return { w, p, vpn };
}

describe('device-exclusive entries', () => {
  it('make_device_exclusive: the PTE becomes a writable device-exclusive entry; mapcount, refcount and rss stay; MMU_NOTIFY_EXCLUSIVE carries the owner', () => {
    const { w, p, vpn } = anonWorld();
    const before = pteOf(w, p, vpn);
    const refs = w.core.frames.refcount(before.pfn);
    const seen: string[] = [];
    p.notifiers.register({ invalidateRangeStart: (r) => seen.push(`${r.event} ${r.startVpn - vpn} ${String(r.owner)}`) });
    expect(makeDeviceExclusive(w.core, p, vpn, 'dmirror-3')).toBe(before.pfn);
    expect(seen).toEqual(['exclusive 0 dmirror-3']);
    expect(pteOf(w, p, vpn)).toMatchObject({ kind: PteKind.DEVICE_EXCLUSIVE, pfn: before.pfn });
    expect(w.core.frames.refcount(before.pfn)).toBe(refs);
    expect(w.core.frames.mapcount(before.pfn)).toBe(1);
    expect(p.rss.anon).toBe(2);
    checkInvariants(w.core);
    exitProcess(w.core, p);
    checkAllReleased(w.core);
  });

  it('make_device_exclusive faults an untouched page in for writing first (FOLL_WRITE); a read-only VMA is EFAULT', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 2, kind: 'anon' });
    const pfn = makeDeviceExclusive(w.core, p, vpn, null);
    expect(pfn).toBeGreaterThan(0);
    expect(pteOf(w, p, vpn).kind).toBe(PteKind.DEVICE_EXCLUSIVE);
    expect(mprotect(w.core, p, vpn, 2, false)).toBe(Errno.OK);
    expect(makeDeviceExclusive(w.core, p, vpn + 1, null)).toBe(errPtr(Errno.EFAULT));
    exitProcess(w.core, p);
    checkAllReleased(w.core);
  });

  it('remove_device_exclusive_entry: a CPU touch announces MMU_NOTIFY_EXCLUSIVE and restores a dirty writable PTE with the data', () => {
    const { w, p, vpn } = anonWorld();
    const pfn = makeDeviceExclusive(w.core, p, vpn, 'dmirror-3');
    const seen: string[] = [];
    p.notifiers.register({ invalidateRangeStart: (r) => seen.push(`${r.event} ${r.startVpn - vpn} ${String(r.owner)}`) });
    expect(firstByte(w, p, vpn)).toBe(0x40);
    expect(seen).toEqual(['exclusive 0 null']);
    const e = pteOf(w, p, vpn);
    expect(e).toMatchObject({ kind: PteKind.PRESENT, pfn });
    expect(e.bits & PTE_WRITE).toBeTruthy();
    expect(e.bits & PTE_DIRTY).toBeTruthy();
    checkInvariants(w.core);
    exitProcess(w.core, p);
    checkAllReleased(w.core);
  });

  it('change_pte_range: mprotect read-only makes the exclusive entry readable; the restored PTE is then read-only', () => {
    const { w, p, vpn } = anonWorld();
    makeDeviceExclusive(w.core, p, vpn, null);
    expect(mprotect(w.core, p, vpn, 2, false)).toBe(Errno.OK);
    expect(pteOf(w, p, vpn).kind).toBe(PteKind.DEVICE_EXCLUSIVE);
    expect(firstByte(w, p, vpn)).toBe(0x40);
    expect(pteOf(w, p, vpn).bits & PTE_WRITE).toBe(0);
    exitProcess(w.core, p);
    checkAllReleased(w.core);
  });

  it('copy_nonpresent_pte: fork restores the exclusive entry, then copies it copy-on-write; both sides keep their data', () => {
    const { w, p, vpn } = anonWorld();
    const pfn = makeDeviceExclusive(w.core, p, vpn, null) as number;
    const c = forkProcess(w.core, p);
    expect(pteOf(w, p, vpn)).toMatchObject({ kind: PteKind.PRESENT, pfn });
    expect(pteOf(w, c, vpn)).toMatchObject({ kind: PteKind.PRESENT, pfn });
    expect(w.core.frames.mapcount(pfn)).toBe(2);
    checkInvariants(w.core);
    expect(writeBytes(w.core, p, w.va(vpn), new Uint8Array([0x41]))).toBe(Errno.OK);
    expect(firstByte(w, p, vpn)).toBe(0x41);
    expect(firstByte(w, c, vpn)).toBe(0x40);
    exitProcess(w.core, c);
    exitProcess(w.core, p);
    checkAllReleased(w.core);
  });

  it('zap_pte_range drops an exclusive entry\'s page (munmap/exit), and migrate_vma_collect skips it', () => {
    const { w, p, vpn } = anonWorld();
    makeDeviceExclusive(w.core, p, vpn, null);
    const pending = migrateVmaCollect(w.core, p, vpn, vpn + 2, null);
    expect(typeof pending).toBe('object');
    if (typeof pending === 'object') expect(pending.m.entries.map((e) => e.vpn - vpn)).toEqual([1]);
    exitProcess(w.core, p);
  });

  it('hmm_range_fault: a snapshot reports an exclusive entry as no entry; a faulting walk restores it', () => {
    const { w, p, vpn } = anonWorld();
    const pfn = makeDeviceExclusive(w.core, p, vpn, null);
    const snap = hmmRangeFault(w.core, p, vpn, 1, { fault: false, write: false });
    expect(typeof snap === 'object' && snap.flags[0]).toBe(0);
    const walk = hmmRangeFault(w.core, p, vpn, 1, { fault: true, write: false });
    expect(typeof walk === 'object' && walk.pfns[0]).toBe(pfn);
    expect(pteOf(w, p, vpn).kind).toBe(PteKind.PRESENT);
    exitProcess(w.core, p);
    checkAllReleased(w.core);
  });

  it('device memory does not become exclusive (EBUSY): only anonymous RAM pages do', () => {
    const { w, p, vpn } = deviceWorld('public', { pages: 1, fill: 0x11 });
    expect(makeDeviceExclusive(w.core, p, vpn, null)).toBe(errPtr(Errno.EBUSY));
    exitProcess(w.core, p);
    checkAllReleased(w.core);
  });
});
