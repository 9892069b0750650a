/**
 * The invariant checker, callable at any quiescent point (no fault,
 * migration in flight): refcounts and mapcounts match the
 * page tables, rss and memcg counters equal the pages charged, no device
 * page at refcount 0, on an LRU or long-term pinned, no page both free and
 * mapped. GUP references (`core.gupRefs`) count as expected references.
 */
import { InvariantViolation } from '@cdmsim/engine';
import { PG, PageType, PteKind, pteKind } from '@cdmsim/shm';
import type { MmCore } from './mm-core.js';
import { mmCounter } from './rss.js';
import { vmNormalPage } from './vm-normal-page.js';

/**
 * What a node worker's MmCore can check on its own: the pages it holds and
 * the memcgs only its processes charge. Other workers' pages and shared
 * memcgs are checked where they are owned, or at the end of the run.
 */
export interface InvariantScope {
  /** Memcgs whose counters must equal the pages this core sees charged (default: every memcg). */
  readonly memcgs?: readonly number[];
  /** Scan the frames of every active devmem for idle-page rules (default true; only the device's owner can). */
  readonly idleDevicePages?: boolean;
}

/**
 * Throws InvariantViolation (with `seed`, if given) on the first broken
 * invariant. `scope` narrows the memcg and device checks for a node
 * worker's partial view (see InvariantScope).
 */
export function checkInvariants(core: MmCore, seed?: number, scope: InvariantScope = {}): void {
  const fail = (msg: string): never => {
    throw new InvariantViolation(msg, seed);
  };
  const f = core.frames;
  const pt = core.pageTables;
  const maps = new Map<number, number>();
  for (const proc of core.processes.values()) {
    const rss = { anon: 0, file: 0, shmem: 0 };
    const byType = [0, 0, 0, 0];
    for (const v of proc.vmas) {
      pt.forEachPresent(proc.root, v.start, v.end, (vpn, pte) => {
        const bits = pt.readBits(pte);
        const pfn = pt.readPfn(pte);
        const k = pteKind(bits);
        if (k === PteKind.MIGRATION) fail(`pid ${proc.pid} vpn ${vpn}: migration entry at a quiescent point`);
        const page = k === PteKind.DEVICE_PRIVATE || k === PteKind.DEVICE_EXCLUSIVE ? pfn : vmNormalPage(core, pfn, bits, true);
        if (page === null) return;
        maps.set(page, (maps.get(page) ?? 0) + 1);
        rss[mmCounter(f, page)]++;
        byType[f.pageType(page)]!++;
      });
    }
    for (const c of ['anon', 'file', 'shmem'] as const) if (proc.rss[c] !== rss[c]) fail(`pid ${proc.pid}: rss ${c} = ${proc.rss[c]} but page tables map ${rss[c]}`);
    for (let t = 0; t < 4; t++) if (proc.rss.byType[t] !== byType[t]) fail(`pid ${proc.pid}: rss on ${PageType[t]} = ${proc.rss.byType[t]} but page tables map ${byType[t]}`);
  }
  const cached = new Map<number, number>();
  for (const c of core.caches.values()) for (const pfn of c.pages.values()) cached.set(pfn, (cached.get(pfn) ?? 0) + 1);
  const inUse = new Set<number>();
  for (const a of core.ram.values()) for (const pfn of a.allocatedPfns()) inUse.add(pfn);
  for (const d of core.devmem.active()) for (const pfn of d.ops.inUsePages?.() ?? []) inUse.add(pfn);
  for (const pfn of maps.keys()) if (!inUse.has(pfn)) fail(`pfn ${pfn} is mapped but free`);
  const charged = new Map<number, { anon: number; file: number; byType: number[] }>();
  for (const pfn of inUse) {
    if (pfn === core.zeroPfn) continue;
    const type = f.pageType(pfn);
    const device = type !== PageType.SYSTEM_RAM;
    const expectedMap = maps.get(pfn) ?? 0;
    if (f.mapcount(pfn) !== expectedMap) fail(`pfn ${pfn}: mapcount ${f.mapcount(pfn)} but ${expectedMap} PTEs map it`);
    const expectedRef = expectedMap + (cached.get(pfn) ?? 0) + f.idleRefcount(pfn) + (core.gupRefs.get(pfn) ?? 0);
    if (f.refcount(pfn) !== expectedRef) fail(`pfn ${pfn} (${PageType[type]}): refcount ${f.refcount(pfn)}, expected ${expectedRef} (maps ${expectedMap}, cache ${cached.get(pfn) ?? 0})`);
    if (device && f.testFlag(pfn, PG.LRU)) fail(`device pfn ${pfn} is on an LRU`);
    if (device && core.longtermPins.has(pfn)) fail(`device pfn ${pfn} is long-term pinned: device memory is never pinned`);
    const m = f.memcg(pfn);
    if (m !== 0) {
      const e = charged.get(m) ?? { anon: 0, file: 0, byType: [0, 0, 0, 0] };
      if (mmCounter(f, pfn) === 'anon') e.anon++;
      else e.file++;
      e.byType[type]!++;
      charged.set(m, e);
    }
  }
  for (const d of scope.idleDevicePages === false ? [] : core.devmem.active()) {
    for (let i = 0; i < d.resource.frameCount; i++) {
      const pfn = d.resource.firstPfn + i;
      if (!f.isMaterialized(pfn)) continue;
      if (f.refcount(pfn) < 1) fail(`device pfn ${pfn} has refcount ${f.refcount(pfn)}: ZONE_DEVICE pages never reach 0`);
      if (!inUse.has(pfn) && (f.refcount(pfn) !== 1 || f.mapcount(pfn) !== 0 || f.memcg(pfn) !== 0)) fail(`idle device pfn ${pfn} has refcount ${f.refcount(pfn)} mapcount ${f.mapcount(pfn)} memcg ${f.memcg(pfn)}`);
    }
  }
  for (const a of core.ram.values()) for (const pfn of a.freedPfns()) if (f.refcount(pfn) !== 0 || f.mapcount(pfn) !== 0) fail(`free RAM pfn ${pfn} has refcount ${f.refcount(pfn)} mapcount ${f.mapcount(pfn)}`);
  for (const [node, lru] of core.lru) for (const pfn of lru.pages()) if (f.memNode(pfn) !== node || !inUse.has(pfn)) fail(`LRU of node ${node} holds pfn ${pfn} that is not an in-use page of that node`);
  const subtree = new Map<number, number>();
  const checked = scope.memcgs ? core.memcgs.all().filter((m) => scope.memcgs!.includes(m.id)) : core.memcgs.all();
  for (const m of checked) {
    const e = charged.get(m.id) ?? { anon: 0, file: 0, byType: [0, 0, 0, 0] };
    const local = m.local;
    const byType = m.localByType;
    if (local.anon !== e.anon || local.file !== e.file) fail(`memcg ${m.name}: counters anon ${local.anon} file ${local.file}, pages charged anon ${e.anon} file ${e.file}`);
    for (let t = 0; t < byType.length; t++) if (byType[t] !== e.byType[t]) fail(`memcg ${m.name}: ${PageType[t]} counter ${byType[t]}, pages ${e.byType[t]}`);
    for (let c: typeof m | null = m; c; c = c.parent) subtree.set(c.id, (subtree.get(c.id) ?? 0) + e.anon + e.file);
  }
  for (const m of checked) if (m.usagePages !== (subtree.get(m.id) ?? 0)) fail(`memcg ${m.name}: usage ${m.usagePages}, subtree pages ${subtree.get(m.id) ?? 0}`);
}

/**
 * After every process exited (and file caches were dropped): every device
 * page is idle (refcount 1, unmapped, uncharged) and every memcg is at zero.
 */
export function checkAllReleased(core: MmCore, seed?: number): void {
  checkInvariants(core, seed);
  for (const d of core.devmem.active()) {
    const busy = [...(d.ops.inUsePages?.() ?? [])];
    if (busy.length) throw new InvariantViolation(`device memory ${d.resource.memNode}: ${busy.length} pages still in use after exit (e.g. pfn ${busy[0]})`, seed);
  }
  for (const m of core.memcgs.all()) if (m.usagePages !== 0) throw new InvariantViolation(`memcg ${m.name}: usage ${m.usagePages} after every process exited`, seed);
}
