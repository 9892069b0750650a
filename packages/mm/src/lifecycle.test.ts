import { InvariantViolation, ProtocolViolation } from '@cdmsim/engine';
import { PG, PTE_DIRTY, PTE_WRITE, PageType, PteKind } from '@cdmsim/shm';
import { describe, expect, it } from 'vitest';
import { munmap } from './address-space.js';
import { Errno, isErrPtr } from './errno.js';
import { IoresDesc } from './devmem.js';
import { handleMmFault } from './fault.js';
import { checkAllReleased, checkInvariants } from './invariants.js';
import { migrateToRam, migrateVma } from './migrate-vma.js';
import { getPage, putPage, releasePages } from './page-lifetime.js';
import { PTE_KINDS, PTE_OPS, PTE_TABLE, pteAction, renderPteTable } from './pte-transitions.js';
import { vmNormalPage } from './vm-normal-page.js';
import { exitProcess } from './zap.js';
import { deviceWorld, fillPages, firstByte, makeWorld, mustMmap, pteOf } from './testing/index.js';

/** A world with one process in memcg `job` that wrote `pages` anon pages and moved them to the `kind` device. */
const onDevice = (kind: 'public' | 'private', pages = 4, limit = Infinity) => deviceWorld(kind, { pages, fill: 0x40, memcgLimit: limit });

describe('page lifetime (ZONE_DEVICE rule)', () => {
  it('put_page: the put that brings a device page to refcount 1 uncharges memcg then calls page_free', () => {
    const { w, p, vpn, dev, cg } = onDevice('public', 1);
    const pfn = pteOf(w, p, vpn).pfn;
    expect(w.core.frames.refcount(pfn)).toBe(2);
    expect(w.core.frames.memcg(pfn)).toBe(cg.id);
    let memcgAtFree = -1;
    const orig = dev.pageFree.bind(dev);
    dev.pageFree = (x: number) => {
      memcgAtFree = w.core.frames.memcg(x);
      orig(x);
    };
    w.core.frames.setFlag(pfn, PG.ACTIVE | PG.WAITERS);
    expect(munmap(w.core, p, vpn, 1)).toBe(Errno.OK);
    expect(w.core.frames.refcount(pfn)).toBe(1);
    expect(memcgAtFree).toBe(0);
    expect(dev.pageFrees).toBe(1);
    expect(w.core.frames.testFlag(pfn, PG.ACTIVE)).toBe(false);
    expect(cg.usagePages).toBe(0);
    checkInvariants(w.core);
  });

  it('put_page: refcount 0 on a device page is a detected bug', () => {
    const { w, p, vpn } = onDevice('private', 1);
    const pfn = pteOf(w, p, vpn).pfn;
    w.core.frames.setRefcount(pfn, 1);
    expect(() => putPage(w.core, pfn)).toThrow(InvariantViolation);
  });

  it('release_pages: device pages take the ZONE_DEVICE put path, never the LRU or RAM allocator', () => {
    const { w, p, vpn, dev } = onDevice('public', 2);
    const pfns = [pteOf(w, p, vpn).pfn, pteOf(w, p, vpn + 1).pfn];
    for (const x of pfns) getPage(w.core, x);
    const ramFree = w.core.ramAllocator(w.cpus[0]!).freeCount();
    releasePages(w.core, pfns);
    exitProcess(w.core, p);
    expect(dev.pageFrees).toBe(2);
    expect(w.core.ramAllocator(w.cpus[0]!).freeCount()).toBe(ramFree);
    for (const x of pfns) expect(w.core.frames.testFlag(x, PG.LRU)).toBe(false);
    checkAllReleased(w.core);
  });
});

describe('vm_normal_page', () => {
  it('vm_normal_page: returns a public page only with_public_device', () => {
    const { w, p, vpn } = onDevice('public', 1);
    const { pfn, bits } = pteOf(w, p, vpn);
    expect(vmNormalPage(w.core, pfn, bits, true)).toBe(pfn);
    expect(vmNormalPage(w.core, pfn, bits, false)).toBeNull();
  });

  it('vm_normal_page: never returns a DEVICE_HOST (pmem) page, which is mapped by a devmap PTE', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 2, kind: 'dax', cache: w.daxDevice() });
    fillPages(w, p, vpn, 1, 7);
    const { pfn, bits, kind } = pteOf(w, p, vpn);
    expect(kind).toBe(PteKind.DEVMAP);
    expect(w.core.frames.pageType(pfn)).toBe(PageType.DEVICE_HOST);
    expect(vmNormalPage(w.core, pfn, bits, true)).toBeNull();
    expect(w.device('public').driver.migrateToDevice(p.pid, vpn, 1)).toBe(Errno.EINVAL);
    expect(firstByte(w, p, vpn)).toBe(7);
  });
});

describe('devmem registration', () => {
  it('devmemAddResource: EINVAL unless the resource is described as device-public memory', () => {
    const w = makeWorld();
    const res = w.publicResource(w.device('public').memNode);
    expect(w.core.devmem.addResource(w.device('public').driver, { ...res, desc: IoresDesc.DEVICE_PRIVATE_MEMORY })).toBe(Errno.EINVAL);
    expect(w.core.devmem.addResource(w.device('public').driver, { ...res, desc: IoresDesc.NONE })).toBe(Errno.EINVAL);
  });

  it('devmemAdd: private memory takes an unused physical range, ENOMEM when none is left', () => {
    const w = makeWorld({ devices: [{ kind: 'private', pages: 32 }] });
    const node = w.device('private').memNode;
    // the world's driver registered all 32 pages already
    expect(w.core.devmem.add(w.device('private').driver, node, 1)).toBe(Errno.ENOMEM);
  });
});

describe('migrate_vma', () => {
  it('migrate_vma: private destination installs device-private entries with the write bit; CPU fault migrates back with data', () => {
    const { w, p, vpn, dev, r } = onDevice('private', 3);
    expect(r).toEqual({ migrated: 3, skipped: 0 });
    const e = pteOf(w, p, vpn);
    expect(e.kind).toBe(PteKind.DEVICE_PRIVATE);
    expect(w.core.frames.pageType(e.pfn)).toBe(PageType.DEVICE_PRIVATE);
    checkInvariants(w.core);
    expect(firstByte(w, p, vpn + 1)).toBe(0x41);
    expect(dev.faults).toBe(1);
    expect(pteOf(w, p, vpn + 1).kind).toBe(PteKind.PRESENT);
    checkInvariants(w.core);
  });

  it('migrate_vma: public destination gets a devmap PTE, writable+dirty when the VMA is writable; CPU access is direct over the bus', () => {
    const { w, p, vpn, dev } = onDevice('public', 2);
    const e = pteOf(w, p, vpn);
    expect(e.kind).toBe(PteKind.DEVMAP);
    expect(e.bits & PTE_WRITE).toBeTruthy();
    expect(e.bits & PTE_DIRTY).toBeTruthy();
    expect(firstByte(w, p, vpn)).toBe(0x40);
    expect(dev.faults).toBe(0);
    expect(w.core.stats.cpuAccessesToDevice.get(dev.memNode)).toBe(1);
    checkInvariants(w.core);
  });

  it('migrate_vma_check_page: a page with an extra reference (refcount - extra != mapcount) is skipped', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 2, kind: 'anon' });
    fillPages(w, p, vpn, 2, 1);
    const pinned = pteOf(w, p, vpn).pfn;
    getPage(w.core, pinned);
    const r = w.device('public').driver.migrateToDevice(p.pid, vpn, 2);
    expect(r).toEqual({ migrated: 1, skipped: 0 });
    expect(pteOf(w, p, vpn).pfn).toBe(pinned);
    putPage(w.core, pinned);
    checkInvariants(w.core);
  });

  it('migrate_vma: a page the driver declines (dst empty) stays put: partial migration, not an error', () => {
    const w = makeWorld({ devices: [{ kind: 'public', pages: 2 }] });
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 4, kind: 'anon' });
    fillPages(w, p, vpn, 4, 9);
    const r = w.device('public').driver.migrateToDevice(p.pid, vpn, 4);
    expect(r).toEqual({ migrated: 2, skipped: 2 });
    for (let i = 0; i < 4; i++) expect(firstByte(w, p, vpn + i)).toBe(9 + i);
    checkInvariants(w.core);
  });

  it('migrate_vma: a file-backed page moves to public memory but never to device-private memory', () => {
    const w = makeWorld();
    const p = w.spawn();
    const file = w.core.createCache('f', false);
    const vpn = mustMmap(w, p, { pages: 1, kind: 'file-shared', cache: file });
    fillPages(w, p, vpn, 1, 5);
    expect(w.device('private').driver.migrateToDevice(p.pid, vpn, 1)).toEqual({ migrated: 0, skipped: 1 });
    expect(w.device('public').driver.migrateToDevice(p.pid, vpn, 1)).toEqual({ migrated: 1, skipped: 0 });
    expect(w.core.frames.pageType(file.pages.get(0)!)).toBe(PageType.DEVICE_PUBLIC);
    expect(firstByte(w, p, vpn)).toBe(5);
    checkInvariants(w.core);
  });

  it('fault: a migration entry makes the fault wait (EAGAIN), never map a page', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 1, kind: 'anon' });
    fillPages(w, p, vpn, 1, 3);
    let seen: Errno | null = null;
    const drv = w.device('public').driver;
    const ops = drv.deviceOps();
    migrateVma(w.core, { allocAndCopy: (c, m) => { seen = handleMmFault(c, p, vpn, false); ops.allocAndCopy(c, m); }, finalizeAndMap: () => {} }, p, vpn, vpn + 1, 'test');
    expect(seen).toBe(Errno.EAGAIN);
    checkInvariants(w.core);
  });
});

describe('memcg and rss', () => {
  it('memcg: a device page is charged to the same memcg and the same rss counter as the page it replaces', () => {
    const { w, p, cg } = onDevice('private', 4);
    expect(cg.usagePages).toBe(4);
    expect(cg.local.anon).toBe(4);
    expect(cg.localByType[PageType.DEVICE_PRIVATE]).toBe(4);
    expect(p.rss.anon).toBe(4);
    expect(p.rss.byType[PageType.DEVICE_PRIVATE]).toBe(4);
    expect(p.rss.byType[PageType.SYSTEM_RAM]).toBe(0);
    checkInvariants(w.core);
  });

  it('memcg: migration back to RAM never fails on a memcg limit', () => {
    const { w, p, vpn, cg } = onDevice('private', 4, 4);
    expect(cg.usagePages).toBe(cg.limitPages);
    expect(migrateToRam(w.core, p, vpn, vpn + 4)).toEqual({ migrated: 4, skipped: 0 });
    expect(cg.localByType[PageType.SYSTEM_RAM]).toBe(4);
    checkInvariants(w.core);
  });

  it('memcg: a fault over the limit fails with ENOMEM', () => {
    const w = makeWorld();
    const cg = w.core.memcgs.create('small', 2);
    const p = w.spawn(0, cg.id);
    const vpn = mustMmap(w, p, { pages: 3, kind: 'anon' });
    fillPages(w, p, vpn, 2, 0);
    expect(handleMmFault(w.core, p, vpn + 2, true)).toBe(Errno.ENOMEM);
    checkInvariants(w.core);
  });
});

describe('isolation and no pinning', () => {
  it('isolation: RAM exhaustion never falls back to device memory (user faults and kernel allocations)', () => {
    const w = makeWorld({ cpus: [8] });
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 16, kind: 'anon' });
    let ok = 0;
    for (let i = 0; i < 16; i++) if (handleMmFault(w.core, p, vpn + i, true) === Errno.OK) ok++;
    expect(ok).toBe(7); // 8 frames minus the zero page
    expect(w.core.allocKernelPage(w.cpus[0]!)).toBeNull();
    for (const d of w.devices) expect(d.driver.pool.inUse()).toEqual([]);
    checkInvariants(w.core);
  });

  it('no pinning: device memory is freed when its last mapping goes (munmap, exit)', () => {
    const { w, p, vpn } = onDevice('private', 4);
    const dev2 = w.device('public').driver;
    const q = w.spawn(1);
    const v2 = mustMmap(w, q, { pages: 2, kind: 'anon' });
    fillPages(w, q, v2, 2, 1);
    dev2.migrateToDevice(q.pid, v2, 2);
    expect(munmap(w.core, p, vpn, 2)).toBe(Errno.OK);
    expect(w.device('private').driver.pool.inUse().length).toBe(2);
    exitProcess(w.core, p);
    exitProcess(w.core, q);
    checkAllReleased(w.core);
  });
});

describe('PTE table', () => {
  it('pte table: every kind × operation pair is a row or explicitly illegal', () => {
    for (const op of PTE_OPS) for (const k of PTE_KINDS) expect(PTE_TABLE[op][k]).toBeDefined();
    expect(() => pteAction('fork', PteKind.MIGRATION)).toThrow(ProtocolViolation);
    const md = renderPteTable();
    expect(md.split('\n')).toHaveLength(PTE_OPS.length + 2);
  });
});

describe('invariant checker', () => {
  it('invariants: a leaked reference or a wrong rss counter is detected', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 1, kind: 'anon' });
    fillPages(w, p, vpn, 1, 0);
    const pfn = pteOf(w, p, vpn).pfn;
    checkInvariants(w.core);
    w.core.frames.refInc(pfn);
    expect(() => checkInvariants(w.core, 42)).toThrow(/refcount.*seed 42/);
    w.core.frames.refDec(pfn);
    p.rss.anon++;
    expect(() => checkInvariants(w.core)).toThrow(/rss anon/);
    expect(isErrPtr(-1)).toBe(true);
  });
});
