import { describe, expect, it } from 'vitest';
import { PteKind } from '@cdmsim/shm';
import { Errno } from './errno.js';
import { HmmPfn, hmmRangeFault, type RangeSnapshot } from './hmm-range-fault.js';
import { migrateVmaCollect, migrateVmaFinish } from './migrate-vma.js';
import { mprotect } from './mprotect.js';
import { deviceWorld, fillPages, makeWorld, mustMmap, pteOf } from './testing/world-fixture.js';

const snapshot = (r: RangeSnapshot | Errno): RangeSnapshot => {
  if (typeof r === 'number') throw new Error(`range fault failed: ${Errno[r]}`);
  return r;
};

describe('hmm_range_fault (the PTE table\'s range-fault row)', () => {
  it('reports present pages with VALID and WRITE and faults nothing when they already allow the access', () => {
    const w = makeWorld();
    const p = w.spawn(0);
    const vpn = mustMmap(w, p, { pages: 3, kind: 'anon' });
    fillPages(w, p, vpn, 3, 7);
    const s = snapshot(hmmRangeFault(w.core, p, vpn, 3, { fault: true, write: true }));
    expect(s.faults).toBe(0);
    expect(s.flags).toEqual([HmmPfn.VALID | HmmPfn.WRITE, HmmPfn.VALID | HmmPfn.WRITE, HmmPfn.VALID | HmmPfn.WRITE]);
    expect(s.pfns).toEqual([0, 1, 2].map((i) => pteOf(w, p, vpn + i).pfn));
  });

  it('faults missing pages in when asked (anon first touch), and leaves them out of a snapshot-only walk', () => {
    const w = makeWorld();
    const p = w.spawn(0);
    const vpn = mustMmap(w, p, { pages: 2, kind: 'anon' });
    expect(snapshot(hmmRangeFault(w.core, p, vpn, 2, { fault: false, write: false }))).toEqual({ pfns: [0, 0], flags: [0, 0], faults: 0 });
    const s = snapshot(hmmRangeFault(w.core, p, vpn, 2, { fault: true, write: true }));
    expect(s.faults).toBe(2);
    expect(s.flags.every((f) => f === (HmmPfn.VALID | HmmPfn.WRITE))).toBe(true);
    expect(pteOf(w, p, vpn).kind).toBe(PteKind.PRESENT);
  });

  it('maps the zero page read-only for a read fault, and copies it on a write request (do_wp_page)', () => {
    const w = makeWorld();
    const p = w.spawn(0);
    const vpn = mustMmap(w, p, { pages: 1, kind: 'anon' });
    const read = snapshot(hmmRangeFault(w.core, p, vpn, 1, { fault: true, write: false }));
    expect(read).toMatchObject({ pfns: [w.core.zeroPfn], flags: [HmmPfn.VALID] });
    const write = snapshot(hmmRangeFault(w.core, p, vpn, 1, { fault: true, write: true }));
    expect(write.pfns[0]).not.toBe(w.core.zeroPfn);
    expect(write.flags[0]).toBe(HmmPfn.VALID | HmmPfn.WRITE);
  });

  it('refuses a write fault on a read-only range with EPERM (hmm-tests anon_write_prot) and a hole with EFAULT, but snapshots them', () => {
    const w = makeWorld();
    const p = w.spawn(0);
    const vpn = mustMmap(w, p, { pages: 2, kind: 'anon' });
    fillPages(w, p, vpn, 2, 1);
    expect(mprotect(w.core, p, vpn, 2, false)).toBe(Errno.OK);
    expect(hmmRangeFault(w.core, p, vpn, 2, { fault: true, write: true })).toBe(Errno.EPERM);
    expect(snapshot(hmmRangeFault(w.core, p, vpn, 2, { fault: true, write: false })).flags).toEqual([HmmPfn.VALID, HmmPfn.VALID]);
    expect(hmmRangeFault(w.core, p, vpn + 100, 1, { fault: true, write: false })).toBe(Errno.EFAULT);
    expect(snapshot(hmmRangeFault(w.core, p, vpn + 100, 1, { fault: false, write: false })).flags).toEqual([HmmPfn.ERROR]); // hmm_vma_walk_hole
  });

  it('reports the asking device\'s own private pages as DEVICE_PRIVATE and faults another device\'s back to RAM', () => {
    const { w, p, vpn, dev } = deviceWorld('private', { pages: 2, fill: 3 });
    expect(pteOf(w, p, vpn).kind).toBe(PteKind.DEVICE_PRIVATE);
    const own = snapshot(hmmRangeFault(w.core, p, vpn, 2, { fault: true, write: true, ownerMemNode: dev.memNode }));
    expect(own.faults).toBe(0);
    expect(own.flags).toEqual([HmmPfn.VALID | HmmPfn.DEVICE_PRIVATE | HmmPfn.WRITE, HmmPfn.VALID | HmmPfn.DEVICE_PRIVATE | HmmPfn.WRITE]);
    expect(snapshot(hmmRangeFault(w.core, p, vpn, 2, { fault: false, write: false })).flags).toEqual([0, 0]);
    const other = snapshot(hmmRangeFault(w.core, p, vpn, 2, { fault: true, write: false }));
    expect(other.flags.every((f) => (f & HmmPfn.VALID) !== 0 && (f & HmmPfn.DEVICE_PRIVATE) === 0)).toBe(true);
    expect(pteOf(w, p, vpn).kind).toBe(PteKind.PRESENT);
    expect(dev.faults).toBe(2);
  });

  it('returns EBUSY on a page under migration (migration entry): the caller retries', () => {
    const w = makeWorld();
    const p = w.spawn(0);
    const vpn = mustMmap(w, p, { pages: 1, kind: 'anon' });
    fillPages(w, p, vpn, 1, 5);
    const pending = migrateVmaCollect(w.core, p, vpn, vpn + 1, 'test');
    if (typeof pending === 'number') throw new Error(`collect failed: ${Errno[pending]}`);
    expect(hmmRangeFault(w.core, p, vpn, 1, { fault: true, write: false })).toBe(Errno.EBUSY);
    migrateVmaFinish(w.core, pending);
    expect(snapshot(hmmRangeFault(w.core, p, vpn, 1, { fault: true, write: false })).flags[0]).toBe(HmmPfn.VALID | HmmPfn.WRITE);
  });
});
