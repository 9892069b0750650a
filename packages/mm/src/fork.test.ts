import { PTE_ENTRY_WRITE, PTE_WRITE, PteKind } from '@cdmsim/shm';
import { describe, expect, it } from 'vitest';
import { writeBytes } from './access.js';
import { Errno } from './errno.js';
import { forkProcess } from './fork.js';
import { checkAllReleased, checkInvariants } from './invariants.js';
import { exitProcess } from './zap.js';
import { deviceWorld, firstByte, pteOf } from './testing/index.js';

describe('fork', () => {
  it('fork: devmap public PTE copied with get_page + mapcount + rss', () => {
    const { w, p, vpn } = deviceWorld('public', { pages: 1, fill: 0x11 });
    const pfn = pteOf(w, p, vpn).pfn;
    const c = forkProcess(w.core, p);
    expect(pteOf(w, c, vpn)).toMatchObject({ kind: PteKind.DEVMAP, pfn });
    expect(w.core.frames.refcount(pfn)).toBe(3);
    expect(w.core.frames.mapcount(pfn)).toBe(2);
    expect(c.rss.anon).toBe(1);
    expect(pteOf(w, p, vpn).bits & PTE_WRITE).toBe(0);
    checkInvariants(w.core);
    // COW: the child's write gets a private RAM copy; the parent keeps the device page.
    expect(writeBytes(w.core, c, w.va(vpn), new Uint8Array([0x22]))).toBe(Errno.OK);
    expect(firstByte(w, p, vpn)).toBe(0x11);
    expect(firstByte(w, c, vpn)).toBe(0x22);
    checkInvariants(w.core);
    exitProcess(w.core, c);
    exitProcess(w.core, p);
    checkAllReleased(w.core);
  });

  it('wp_page_copy: the child\'s COW write announces MMU_NOTIFY_CLEAR for that page before the PTE changes', () => {
    const { w, p, vpn } = deviceWorld('public', { pages: 2, fill: 0x11 });
    const c = forkProcess(w.core, p);
    const seen: string[] = [];
    c.notifiers.register({ invalidateRangeStart: (r) => seen.push(`${r.event} [${r.startVpn - vpn}, ${r.endVpn - vpn}) pfn ${pteOf(w, c, r.startVpn).pfn}`) });
    const shared = pteOf(w, c, vpn).pfn;
    expect(writeBytes(w.core, c, w.va(vpn), new Uint8Array([0x22]))).toBe(Errno.OK);
    expect(seen).toEqual([`clear [0, 1) pfn ${shared}`]);
    expect(pteOf(w, c, vpn).pfn).not.toBe(shared);
    exitProcess(w.core, c);
    exitProcess(w.core, p);
    checkAllReleased(w.core);
  });

  it('fork: device-private entries are copied write-protected, with get_page + mapcount + rss', () => {
    const { w, p, vpn } = deviceWorld('private', { pages: 1, fill: 0x33 });
    expect(pteOf(w, p, vpn).bits & PTE_ENTRY_WRITE).toBeTruthy();
    const c = forkProcess(w.core, p);
    const e = pteOf(w, c, vpn);
    expect(e.kind).toBe(PteKind.DEVICE_PRIVATE);
    expect(e.bits & PTE_ENTRY_WRITE).toBe(0);
    expect(pteOf(w, p, vpn).bits & PTE_ENTRY_WRITE).toBe(0);
    expect(w.core.frames.mapcount(e.pfn)).toBe(2);
    checkInvariants(w.core);
    // Fault back migrates the shared page to RAM for both, then COW splits it.
    expect(writeBytes(w.core, c, w.va(vpn), new Uint8Array([0x44]))).toBe(Errno.OK);
    expect(firstByte(w, p, vpn)).toBe(0x33);
    expect(firstByte(w, c, vpn)).toBe(0x44);
    checkInvariants(w.core);
    exitProcess(w.core, p);
    exitProcess(w.core, c);
    checkAllReleased(w.core);
  });
});
