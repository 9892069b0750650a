import { PG, PTE_DIRTY, PTE_ENTRY_WRITE, PTE_WRITE, PageType, PteKind } from '@cdmsim/shm';
import { describe, expect, it } from 'vitest';
import type { Process } from './address-space.js';
import { writeBytes } from './access.js';
import { Errno } from './errno.js';
import { forkProcess } from './fork.js';
import { checkAllReleased, checkInvariants } from './invariants.js';
import { madvise } from './madvise.js';
import { MmuNotifyEvent, type MmuNotifierRange } from './mmu-notifier.js';
import { mprotect } from './mprotect.js';
import { reclaimLazyFree } from './reclaim.js';
import { exitProcess } from './zap.js';
import { fillPages, firstByte, makeWorld, mustMmap, pteOf, type MmWorld } from './testing/index.js';

/** Subscribes a mirror stand-in that records each invalidation with the PTE bits of `vpn` seen at range start. */
function recordMirror(w: MmWorld, p: Process, vpn: number): { range: MmuNotifierRange; bitsAtStart: number }[] {
  const seen: { range: MmuNotifierRange; bitsAtStart: number }[] = [];
  p.notifiers.register({ invalidateRangeStart: (range) => seen.push({ range, bitsAtStart: pteOf(w, p, vpn).bits }) });
  return seen;
}

/** One process with three anon pages: RAM, public device, private device. */
function mixed() {
  const w = makeWorld();
  const p = w.spawn();
  const vpn = mustMmap(w, p, { pages: 3, kind: 'anon' });
  fillPages(w, p, vpn, 3, 0x10);
  w.device('public').driver.migrateToDevice(p.pid, vpn + 1, 1);
  w.device('private').driver.migrateToDevice(p.pid, vpn + 2, 1);
  return { w, p, vpn };
}

describe('mprotect', () => {
  it('mprotect: a write downgrade invalidates mirrors (PROTECTION_VMA) before any PTE loses its write bit', () => {
    const { w, p, vpn } = mixed();
    const seen = recordMirror(w, p, vpn);
    expect(mprotect(w.core, p, vpn, 3, false)).toBe(Errno.OK);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.range.event).toBe(MmuNotifyEvent.PROTECTION_VMA);
    expect(seen[0]!.bitsAtStart & PTE_WRITE).toBeTruthy();
    expect(pteOf(w, p, vpn).bits & PTE_WRITE).toBe(0);
    checkInvariants(w.core);
  });

  it('mprotect: device-private entries lose their entry write bit, devmap public PTEs lose write', () => {
    const { w, p, vpn } = mixed();
    expect(pteOf(w, p, vpn + 1)).toMatchObject({ kind: PteKind.DEVMAP });
    expect(pteOf(w, p, vpn + 2).bits & PTE_ENTRY_WRITE).toBeTruthy();
    expect(mprotect(w.core, p, vpn + 1, 2, false)).toBe(Errno.OK);
    expect(pteOf(w, p, vpn + 1).bits & PTE_WRITE).toBe(0);
    expect(pteOf(w, p, vpn + 2).kind).toBe(PteKind.DEVICE_PRIVATE);
    expect(pteOf(w, p, vpn + 2).bits & PTE_ENTRY_WRITE).toBe(0);
    expect(pteOf(w, p, vpn).bits & PTE_WRITE).toBeTruthy(); // outside the range: untouched, VMA split
    expect(p.vmas).toHaveLength(2);
    expect(writeBytes(w.core, p, w.va(vpn + 1), new Uint8Array([1]))).toBe(Errno.EFAULT);
    expect(writeBytes(w.core, p, w.va(vpn + 2), new Uint8Array([1]))).toBe(Errno.EFAULT);
    checkInvariants(w.core);
  });

  it('mprotect: an upgrade changes no PTE; the next write reuses the exclusive page (devmap stays on the device)', () => {
    const { w, p, vpn } = mixed();
    mprotect(w.core, p, vpn, 3, false);
    const pub = pteOf(w, p, vpn + 1).pfn;
    expect(mprotect(w.core, p, vpn, 3, true)).toBe(Errno.OK);
    expect(pteOf(w, p, vpn + 1).bits & PTE_WRITE).toBe(0);
    fillPages(w, p, vpn, 3, 0x50);
    expect(pteOf(w, p, vpn + 1).pfn).toBe(pub);
    expect(pteOf(w, p, vpn + 1).bits & PTE_WRITE).toBeTruthy();
    expect(firstByte(w, p, vpn + 2)).toBe(0x52);
    checkInvariants(w.core);
  });

  it('mprotect: ENOMEM for a range with a hole, nothing changed', () => {
    const { w, p, vpn } = mixed();
    expect(mprotect(w.core, p, vpn, 10, false)).toBe(Errno.ENOMEM);
    expect(pteOf(w, p, vpn).bits & PTE_WRITE).toBeTruthy();
    expect(p.vmas).toHaveLength(1);
  });
});

describe('madvise', () => {
  it('madvise DONTNEED: device pages go down the ZONE_DEVICE put path (page_free, uncharge), anon reads zeroes after', () => {
    const { w, p, vpn } = mixed();
    const pub = w.device('public').driver;
    const priv = w.device('private').driver;
    const ram = w.core.ramAllocator(w.cpus[0]!).freeCount();
    const seen = recordMirror(w, p, vpn);
    expect(madvise(w.core, p, vpn, 3, 'dontneed')).toBe(Errno.OK);
    expect(seen.map((s) => s.range.event)).toEqual([MmuNotifyEvent.CLEAR]);
    expect(pub.pageFrees).toBe(1);
    expect(priv.pageFrees).toBe(1);
    expect(w.core.ramAllocator(w.cpus[0]!).freeCount()).toBe(ram + 1);
    expect(p.rss.total()).toBe(0);
    expect(w.core.memcgs.root.usagePages).toBe(0);
    for (let i = 0; i < 3; i++) expect(firstByte(w, p, vpn + i)).toBe(0);
    checkInvariants(w.core);
  });

  it('madvise FREE: public pages are found with_public_device (PTE made clean) but are never lazy-free or on an LRU', () => {
    const { w, p, vpn } = mixed();
    const pub = pteOf(w, p, vpn + 1);
    expect(pub.bits & PTE_DIRTY).toBeTruthy();
    expect(madvise(w.core, p, vpn, 3, 'free')).toBe(Errno.OK);
    expect(pteOf(w, p, vpn + 1).bits & PTE_DIRTY).toBe(0);
    expect(w.core.frames.testFlag(pub.pfn, PG.LRU)).toBe(false);
    expect(w.core.frames.testFlag(pub.pfn, PG.SWAPBACKED)).toBe(true);
    expect(pteOf(w, p, vpn + 2).kind).toBe(PteKind.DEVICE_PRIVATE); // non_swap_entry: skipped
    const r = reclaimLazyFree(w.core, w.cpus[0]!);
    expect(r.freed).toBe(1); // only the RAM page
    expect(firstByte(w, p, vpn + 1)).toBe(0x11);
    expect(firstByte(w, p, vpn + 2)).toBe(0x12);
    checkInvariants(w.core);
  });

  it('madvise FREE: clean lazy-free anon pages are dropped at reclaim instead of swapped; a page written again is rescued', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 3, kind: 'anon' });
    fillPages(w, p, vpn, 3, 0x20);
    expect(madvise(w.core, p, vpn, 3, 'free')).toBe(Errno.OK);
    expect(w.core.frames.testFlag(pteOf(w, p, vpn).pfn, PG.SWAPBACKED)).toBe(false);
    expect(writeBytes(w.core, p, w.va(vpn + 1), new Uint8Array([0x99]))).toBe(Errno.OK);
    const before = w.core.ramAllocator(w.cpus[0]!).freeCount();
    expect(reclaimLazyFree(w.core, w.cpus[0]!)).toEqual({ freed: 2, rescued: 1, busy: 0 });
    expect(w.core.ramAllocator(w.cpus[0]!).freeCount()).toBe(before + 2);
    expect(firstByte(w, p, vpn)).toBe(0);
    expect(firstByte(w, p, vpn + 1)).toBe(0x99);
    expect(firstByte(w, p, vpn + 2)).toBe(0);
    expect(w.core.stats.lazyFreed).toBe(2);
    checkInvariants(w.core);
    exitProcess(w.core, p);
    checkAllReleased(w.core);
  });

  it('madvise FREE: a dirty page mapped twice (after fork) keeps its data through reclaim', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 1, kind: 'anon' });
    fillPages(w, p, vpn, 1, 0x31);
    const c = forkProcess(w.core, p);
    w.core.frames.setFlag(pteOf(w, p, vpn).pfn, PG.DIRTY);
    expect(madvise(w.core, p, vpn, 1, 'free')).toBe(Errno.OK);
    expect(reclaimLazyFree(w.core, w.cpus[0]!).freed).toBe(0);
    expect(firstByte(w, c, vpn)).toBe(0x31);
    checkInvariants(w.core);
  });

  it('madvise FREE: EINVAL on a non-anonymous VMA; ENOMEM on a hole', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 2, kind: 'shmem' });
    expect(madvise(w.core, p, vpn, 2, 'free')).toBe(Errno.EINVAL);
    expect(madvise(w.core, p, vpn, 5, 'dontneed')).toBe(Errno.ENOMEM);
  });

  it('madvise DONTNEED: a DEVICE_HOST (dax) devmap PTE is just cleared, never put', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 1, kind: 'dax', cache: w.daxDevice() });
    fillPages(w, p, vpn, 1, 9);
    const { pfn } = pteOf(w, p, vpn);
    expect(w.core.frames.pageType(pfn)).toBe(PageType.DEVICE_HOST);
    expect(madvise(w.core, p, vpn, 1, 'dontneed')).toBe(Errno.OK);
    expect(pteOf(w, p, vpn).kind).toBe(PteKind.NONE);
    expect(firstByte(w, p, vpn)).toBe(9);
    checkInvariants(w.core);
  });
});
