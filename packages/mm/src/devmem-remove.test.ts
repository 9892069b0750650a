import { PageType, PteKind } from '@cdmsim/shm';
import { describe, expect, it } from 'vitest';
import { munmap } from './address-space.js';
import { Errno } from './errno.js';
import { getUserPages, releaseUserPages } from './gup.js';
import { checkAllReleased, checkInvariants } from './invariants.js';
import { DEVMEM_REMOVE_OWNER, devmemPagesInUse } from './devmem-remove.js';
import { exitProcess } from './zap.js';
import { deviceWorld, fillPages, firstByte, mustMmap, pteOf } from './testing/index.js';

function onDevice(kind: 'public' | 'private', pages = 3) {
  const { w, p, vpn, dev, r } = deviceWorld(kind, { pages, fill: 0x30 });
  expect(r).toEqual({ migrated: pages, skipped: 0 });
  return { w, p, vpn, dev };
}

describe('devmem remove (hmm_devmem_remove)', () => {
  it('devmemRemove: private memory — in-use pages are evicted to RAM with their data, then the region is released for reuse', () => {
    const { w, p, vpn, dev } = onDevice('private');
    const events: string[] = [];
    p.notifiers.register({ invalidateRangeStart: (r) => events.push(r.owner ?? '') });
    const firstPfn = dev.devmem.resource.firstPfn;
    expect(dev.remove()).toBe(Errno.OK);
    expect(events).toContain(DEVMEM_REMOVE_OWNER);
    expect(dev.devmem.removed).toBe(true);
    for (let i = 0; i < 3; i++) {
      expect(pteOf(w, p, vpn + i).kind).toBe(PteKind.PRESENT);
      expect(firstByte(w, p, vpn + i)).toBe(0x30 + i);
    }
    expect(w.core.devmem.isRegionReserved(firstPfn)).toBe(false);
    const again = w.core.devmem.add(dev, dev.memNode, 32);
    expect(typeof again).toBe('object');
    expect((again as { resource: { firstPfn: number } }).resource.firstPfn).toBe(firstPfn);
    checkInvariants(w.core);
  });

  it('devmemRemove: public memory — the resource stays reserved after the pages are removed', () => {
    const { w, p, vpn, dev } = onDevice('public');
    const firstPfn = dev.devmem.resource.firstPfn;
    expect(dev.remove()).toBe(Errno.OK);
    expect(w.core.devmem.isRegionReserved(firstPfn)).toBe(true);
    expect(w.core.frames.pageType(pteOf(w, p, vpn).pfn)).toBe(PageType.SYSTEM_RAM);
    expect(w.core.devmem.ownerOf(firstPfn)).toBeUndefined();
    exitProcess(w.core, p);
    checkAllReleased(w.core);
  });

  it('devmemRemove: the killed reference allows no new allocation; EBUSY while a page is held (GUP), OK once released', () => {
    const { w, p, vpn, dev } = onDevice('public', 2);
    const held = getUserPages(w.core, p, vpn, 1) as number[];
    expect(dev.remove()).toBe(Errno.EBUSY);
    expect(dev.devmem.live).toBe(false);
    expect(dev.devmem.removed).toBe(false);
    expect(devmemPagesInUse(w.core, dev.devmem)).toEqual(held);
    expect(pteOf(w, p, vpn + 1).kind).toBe(PteKind.PRESENT); // the other page was evicted
    const q = w.spawn();
    const v2 = mustMmap(w, q, { pages: 1, kind: 'anon' });
    fillPages(w, q, v2, 1, 1);
    expect(dev.migrateToDevice(q.pid, v2, 1)).toMatchObject({ migrated: 0 });
    checkInvariants(w.core);
    releaseUserPages(w.core, held);
    expect(dev.remove()).toBe(Errno.OK);
    checkInvariants(w.core);
  });

  it('devmemRemove: without eviction it only waits — EBUSY until the last user unmaps', () => {
    const { w, p, vpn, dev } = onDevice('private', 2);
    expect(dev.remove({ evict: false })).toBe(Errno.EBUSY);
    expect(pteOf(w, p, vpn).kind).toBe(PteKind.DEVICE_PRIVATE);
    expect(munmap(w.core, p, vpn, 2)).toBe(Errno.OK);
    expect(dev.remove({ evict: false })).toBe(Errno.OK);
    expect(dev.remove()).toBe(Errno.EINVAL);
    checkInvariants(w.core);
  });
});
