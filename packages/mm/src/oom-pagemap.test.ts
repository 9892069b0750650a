import { PageType, PteKind } from '@cdmsim/shm';
import { CdmsimError } from '@cdmsim/engine';
import { describe, expect, it } from 'vitest';
import { Errno } from './errno.js';
import { forkProcess } from './fork.js';
import { checkInvariants } from './invariants.js';
import { mprotect } from './mprotect.js';
import { devicePagesOf, outOfMemory, selectBadProcess } from './oom-kill.js';
import { pagemapRead, smaps } from './pagemap.js';
import { exitProcess } from './zap.js';
import { fillPages, firstByte, makeWorld, mustMmap, pteOf } from './testing/index.js';

describe('OOM killer', () => {
  it('oom: the victim is chosen by rss with device pages included, so killing it frees little RAM (documented drawback)', () => {
    const w = makeWorld();
    const gpuJob = w.spawn(0);
    const v = mustMmap(w, gpuJob, { pages: 20, kind: 'anon' });
    fillPages(w, gpuJob, v, 20, 1);
    expect(w.device('public').driver.migrateToDevice(gpuJob.pid, v, 18)).toEqual({ migrated: 18, skipped: 0 });
    const cpuJob = w.spawn(0);
    const c = mustMmap(w, cpuJob, { pages: 10, kind: 'anon' });
    fillPages(w, cpuJob, c, 10, 2);
    expect(selectBadProcess(w.core)).toBe(gpuJob);
    const r = outOfMemory(w.core);
    if (typeof r !== 'object') throw new CdmsimError(`no victim: ${Errno[r]}`);
    expect(r.pid).toBe(gpuJob.pid);
    expect(r.rssPages).toBe(20);
    expect(devicePagesOf(r.rssByType)).toBe(18);
    expect(r.ramFreedPages).toBe(2); // chosen for 20 pages, freed 2 pages of RAM
    expect(r.ramFreedPages).toBeLessThan(cpuJob.rss.total()); // killing the smaller CPU job would have freed 10
    expect(w.core.stats.oomKills).toBe(1);
    expect(w.device('public').driver.pool.inUse()).toEqual([]);
    checkInvariants(w.core);
  });

  it('oom: a memcg OOM only considers tasks in that memcg subtree; ESRCH when none', () => {
    const w = makeWorld();
    const cg = w.core.memcgs.create('job');
    const big = w.spawn(0);
    fillPages(w, big, mustMmap(w, big, { pages: 8, kind: 'anon' }), 8, 0);
    const small = w.spawn(0, cg.id);
    fillPages(w, small, mustMmap(w, small, { pages: 2, kind: 'anon' }), 2, 0);
    expect(outOfMemory(w.core, { memcg: cg.id })).toMatchObject({ pid: small.pid, ramFreedPages: 2 });
    expect(outOfMemory(w.core, { memcg: cg.id })).toBe(Errno.ESRCH);
    checkInvariants(w.core);
  });
});

describe('pagemap and smaps', () => {
  it('pagemap: reports per page the entry kind, pfn, memory node, page type and write bit (public via with_public_device)', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 5, kind: 'anon' });
    fillPages(w, p, vpn, 3, 0);
    w.device('public').driver.migrateToDevice(p.pid, vpn + 1, 1);
    w.device('private').driver.migrateToDevice(p.pid, vpn + 2, 1);
    mprotect(w.core, p, vpn + 2, 1, false);
    const e = pagemapRead(w.core, p, vpn, vpn + 5);
    expect(e[0]).toMatchObject({ kind: PteKind.PRESENT, present: true, swap: false, pageType: PageType.SYSTEM_RAM, memNode: w.cpus[0], write: true, exclusive: true, file: false });
    expect(e[1]).toMatchObject({ kind: PteKind.DEVMAP, present: true, pfn: pteOf(w, p, vpn + 1).pfn, pageType: PageType.DEVICE_PUBLIC, memNode: w.device('public').memNode, write: true, exclusive: true });
    expect(e[2]).toMatchObject({ kind: PteKind.DEVICE_PRIVATE, present: false, swap: true, pageType: PageType.DEVICE_PRIVATE, write: false, exclusive: true });
    expect(e[3]).toMatchObject({ kind: PteKind.NONE, present: false, pfn: null });
    checkInvariants(w.core);
  });

  it('pagemap: a zero page and a dax page are present but not exclusive (no refcounted page)', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 1, kind: 'anon' });
    const dax = mustMmap(w, p, { pages: 1, kind: 'dax', cache: w.daxDevice() });
    fillPages(w, p, dax, 1, 1);
    expect(firstByte(w, p, vpn)).toBe(0); // read fault maps the zero page
    expect(pagemapRead(w.core, p, vpn, vpn + 1)[0]).toMatchObject({ kind: PteKind.ZERO, present: true, pfn: w.core.zeroPfn, exclusive: false, write: false });
    const [d] = pagemapRead(w.core, p, dax, dax + 1);
    expect(d).toMatchObject({ kind: PteKind.DEVMAP, present: true, pageType: PageType.DEVICE_HOST, exclusive: false });
  });

  it('smaps: rss by anon/file/shmem and by memory type, from the page tables, equals the rss counters', () => {
    const w = makeWorld();
    const p = w.spawn();
    const vpn = mustMmap(w, p, { pages: 4, kind: 'anon' });
    fillPages(w, p, vpn, 4, 0);
    w.device('public').driver.migrateToDevice(p.pid, vpn, 1);
    w.device('private').driver.migrateToDevice(p.pid, vpn + 1, 2);
    const sh = mustMmap(w, p, { pages: 2, kind: 'shmem' });
    fillPages(w, p, sh, 2, 0);
    const file = mustMmap(w, p, { pages: 1, kind: 'file-shared', cache: w.core.createCache('f', false) });
    fillPages(w, p, file, 1, 0);
    w.device('public').driver.migrateToDevice(p.pid, file, 1);
    const c = forkProcess(w.core, p);
    const s = smaps(w.core, p);
    expect(s.rollup.rss).toEqual({ anon: 4, file: 1, shmem: 2, total: 7 });
    expect(s.rollup.rss.anon).toBe(p.rss.anon);
    expect(s.rollup.byType).toEqual(p.rss.snapshot().byType);
    expect(s.rollup.byType).toMatchObject({ SYSTEM_RAM: 3, DEVICE_PUBLIC: 2, DEVICE_PRIVATE: 2 });
    expect(s.rollup.shared).toBe(7); // everything is shared with the child
    expect(s.vmas.map((v) => v.rss.total)).toEqual([4, 2, 1]);
    exitProcess(w.core, c);
    expect(smaps(w.core, p).rollup.private).toBe(7);
    checkInvariants(w.core);
  });
});
