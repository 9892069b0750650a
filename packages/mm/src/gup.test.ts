import { PageType, PteKind } from '@cdmsim/shm';
import { CdmsimError } from '@cdmsim/engine';
import { describe, expect, it } from 'vitest';
import { writeBytes } from './access.js';
import { Errno } from './errno.js';
import { forkProcess } from './fork.js';
import { GUP_MIGRATE_OWNER, getUserPages, releaseUserPages } from './gup.js';
import { checkAllReleased, checkInvariants } from './invariants.js';
import { migrateToRam } from './migrate-vma.js';
import { MmuNotifyEvent } from './mmu-notifier.js';
import { exitProcess } from './zap.js';
import { deviceWorld, fillPages, firstByte, makeWorld, mustMmap, pteOf } from './testing/index.js';

const onDevice = (kind: 'public' | 'private', pages = 2) => deviceWorld(kind, { pages, fill: 0x60 });

describe('get_user_pages', () => {
  it('gup: a long-term pin of a public page migrates it to RAM first', () => {
    const { w, p, vpn, dev } = onDevice('public');
    const events: string[] = [];
    p.notifiers.register({ invalidateRangeStart: (r) => events.push(`${r.event}:${r.owner}`) });
    const r = getUserPages(w.core, p, vpn, 2, { longterm: true });
    if (!Array.isArray(r)) throw new CdmsimError(`gup failed: ${Errno[r]}`);
    for (const [i, pfn] of r.entries()) {
      expect(w.core.frames.pageType(pfn)).toBe(PageType.SYSTEM_RAM);
      expect(pteOf(w, p, vpn + i)).toMatchObject({ kind: PteKind.PRESENT, pfn });
      expect(w.core.longtermPins.get(pfn)).toBe(1);
    }
    expect(events).toContain(`${MmuNotifyEvent.MIGRATE}:${GUP_MIGRATE_OWNER}`);
    expect(dev.pool.inUse()).toEqual([]);
    expect(firstByte(w, p, vpn + 1)).toBe(0x61);
    checkInvariants(w.core);
    releaseUserPages(w.core, r, { longterm: true });
    expect(w.core.gupRefs.size).toBe(0);
    checkInvariants(w.core);
  });

  it('gup: a pin of a device-private entry faults it back to RAM first (driver fault callback)', () => {
    const { w, p, vpn, dev } = onDevice('private', 1);
    const r = getUserPages(w.core, p, vpn, 1);
    if (!Array.isArray(r)) throw new CdmsimError(`gup failed: ${Errno[r]}`);
    expect(dev.faults).toBe(1);
    expect(w.core.frames.pageType(r[0]!)).toBe(PageType.SYSTEM_RAM);
    expect(w.core.gupRefs.get(r[0]!)).toBe(1);
    checkInvariants(w.core);
    releaseUserPages(w.core, r);
    checkInvariants(w.core);
  });

  it('gup: short-term references are counted in gupRefs, may stay on public memory, and block migration while held', () => {
    const { w, p, vpn } = onDevice('public', 1);
    const pfn = pteOf(w, p, vpn).pfn;
    const r = getUserPages(w.core, p, vpn, 1);
    expect(r).toEqual([pfn]);
    expect(w.core.gupRefs.get(pfn)).toBe(1);
    expect(w.core.frames.refcount(pfn)).toBe(3);
    checkInvariants(w.core);
    expect(migrateToRam(w.core, p, vpn, vpn + 1)).toMatchObject({ migrated: 0 }); // migrate_vma_check_page refuses it
    expect(pteOf(w, p, vpn).pfn).toBe(pfn);
    releaseUserPages(w.core, [pfn]);
    expect(w.core.gupRefs.has(pfn)).toBe(false);
    expect(migrateToRam(w.core, p, vpn, vpn + 1)).toEqual({ migrated: 1, skipped: 0 });
    checkInvariants(w.core);
  });

  it('gup: a long-term pin fails with EBUSY, taking nothing, when the device page cannot move (held by a short reference)', () => {
    const { w, p, vpn } = onDevice('public', 2);
    const short = getUserPages(w.core, p, vpn + 1, 1) as number[];
    expect(getUserPages(w.core, p, vpn, 2, { longterm: true })).toBe(Errno.EBUSY);
    expect(w.core.longtermPins.size).toBe(0);
    expect(w.core.gupRefs.size).toBe(1);
    checkInvariants(w.core);
    releaseUserPages(w.core, short);
  });

  it('gup: FOLL_WRITE breaks COW before taking the reference; EFAULT on a read-only VMA or a hole', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 1, kind: 'anon' });
    fillPages(w, p, vpn, 1, 0x70);
    const c = forkProcess(w.core, p);
    const shared = pteOf(w, p, vpn).pfn;
    const r = getUserPages(w.core, c, vpn, 1, { write: true }) as number[];
    expect(r[0]).not.toBe(shared);
    expect(pteOf(w, c, vpn).pfn).toBe(r[0]);
    expect(getUserPages(w.core, c, vpn + 5, 1)).toBe(Errno.EFAULT);
    const ro = mustMmap(w, c, { pages: 1, kind: 'anon', write: false });
    expect(getUserPages(w.core, c, ro, 1, { write: true })).toBe(Errno.EFAULT);
    expect(getUserPages(w.core, c, ro, 1)).toEqual([w.core.zeroPfn]);
    checkInvariants(w.core);
    releaseUserPages(w.core, r);
    expect(() => releaseUserPages(w.core, r)).toThrow(CdmsimError);
  });

  it('gup: a long-term pin of a dax (DEVICE_HOST) mapping is EOPNOTSUPP', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 1, kind: 'dax', cache: w.daxDevice() });
    expect(getUserPages(w.core, p, vpn, 1, { longterm: true })).toBe(Errno.EOPNOTSUPP);
  });

  it('gup: a pinned RAM page outlives munmap and exit; the unpin frees it', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 1, kind: 'anon' });
    fillPages(w, p, vpn, 1, 1);
    const r = getUserPages(w.core, p, vpn, 1, { longterm: true, write: true }) as number[];
    exitProcess(w.core, p);
    expect(w.core.frames.refcount(r[0]!)).toBe(1);
    checkInvariants(w.core);
    releaseUserPages(w.core, r, { longterm: true });
    checkAllReleased(w.core);
    expect(writeBytes).toBeDefined();
  });
});
