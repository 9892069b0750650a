/**
 * Introspection in the spirit of /proc/pid/pagemap and /proc/pid/smaps
 * (fs/proc/task_mmu.c): per page, what the PTE holds and where the page
 * lives; per process, rss by counter and by memory type, computed from the
 * page tables (not from the rss counters, so a test can compare both).
 * Pages are found with `_vm_normal_page(..., true)` [2/6] plus the page of
 * a device-private entry.
 */
import type { MemNodeId } from '@cdmsim/engine';
import { PTE_ENTRY_WRITE, PTE_WRITE, PG, PageType, PteKind, pteKind } from '@cdmsim/shm';
import type { Process } from './address-space.js';
import type { MmCore } from './mm-core.js';
import { pteAction } from './pte-transitions.js';
import { PAGE_TYPE_COUNT, mmCounter, type MmCounter } from './rss.js';
import { vmNormalPage } from './vm-normal-page.js';
import type { VmaKind } from './vma.js';

/** One page of a pagemap read (`pagemap_entry_t` decoded, with the cdmsim extras). */
export interface PagemapEntry {
  readonly vpn: number;
  /** The PTE kind (NONE for an unpopulated page). */
  readonly kind: PteKind;
  /** PM_PRESENT: the CPU can access the page (present, devmap, zero). */
  readonly present: boolean;
  /** PM_SWAP: a swap-type entry (device-private or migration). */
  readonly swap: boolean;
  /** The pfn the entry refers to (the entry's page for swap-type entries), or null. */
  readonly pfn: number | null;
  /** Memory node of `pfn`, or null. */
  readonly memNode: MemNodeId | null;
  /** Page type of `pfn`, or null. */
  readonly pageType: PageType | null;
  /** Write permission: the hardware bit of a present PTE, or the entry's write bit. */
  readonly write: boolean;
  /** PM_MMAP_EXCLUSIVE: a refcounted page mapped exactly once. */
  readonly exclusive: boolean;
  /** PM_FILE: a refcounted page that is file or shmem backed. */
  readonly file: boolean;
}

/**
 * `pagemap_read` → `pte_to_pagemap_entry` for [startVpn, endVpn) through
 * the `pagemap` row of the PTE table; one entry per vpn (holes included).
 * Caller holds the mmap lock for read; reads each PTE under its lock.
 */
export function pagemapRead(core: MmCore, proc: Process, startVpn: number, endVpn: number): PagemapEntry[] {
  const out: PagemapEntry[] = [];
  for (let vpn = startVpn; vpn < endVpn; vpn++) out.push(entryAt(core, proc, vpn).entry);
  return out;
}

/** One vpn: the pagemap entry and the refcounted page behind it (null for none, zero or a dax host page). */
function entryAt(core: MmCore, proc: Process, vpn: number): { entry: PagemapEntry; page: number | null } {
  const pt = core.pageTables;
  const f = core.frames;
  const pte = pt.lookup(proc.root, vpn);
  const [bits, pfn] = pte < 0 ? [0, 0] : core.withPteLock(pte, () => [pt.readBits(pte), pt.readPfn(pte)] as const);
  const kind = pteKind(bits);
  const action = pteAction('pagemap', kind, proc.pid, vpn);
  if (action === 'report-none') {
    return { entry: { vpn, kind, present: false, swap: false, pfn: null, memNode: null, pageType: null, write: false, exclusive: false, file: false }, page: null };
  }
  const swap = action === 'report-swap';
  const page = swap ? pfn : kind === PteKind.ZERO ? null : vmNormalPage(core, pfn, bits, true);
  const entry: PagemapEntry = {
    vpn,
    kind,
    present: !swap,
    swap,
    pfn,
    memNode: f.memNode(pfn),
    pageType: f.pageType(pfn),
    write: (bits & (swap ? PTE_ENTRY_WRITE : PTE_WRITE)) !== 0,
    exclusive: page !== null && f.mapcount(page) === 1,
    file: page !== null && !f.testFlag(page, PG.ANON),
  };
  return { entry, page };
}

/** Resident pages of one VMA or process, from the page tables. */
export interface SmapsCounts {
  /** Refcounted pages mapped (device pages included), split like the rss counters. */
  readonly rss: Record<MmCounter, number> & { total: number };
  /** Mapped pages per memory type (key: PageType name; DEVICE_HOST dax pages included here only). */
  readonly byType: Record<string, number>;
  /** Pages mapped by exactly this PTE only (Private_*), and by several (Shared_*). */
  readonly private: number;
  readonly shared: number;
}

/** One VMA line of smaps. */
export interface SmapsVma extends SmapsCounts {
  readonly start: number;
  readonly end: number;
  readonly kind: VmaKind;
  readonly write: boolean;
}

/** smaps of one process: per VMA, and the rollup (`smaps_rollup`). */
export interface Smaps {
  readonly vmas: SmapsVma[];
  readonly rollup: SmapsCounts;
}

/**
 * `show_smap` / `smaps_pte_entry` over every VMA of `proc`. Caller holds
 * the mmap lock for read.
 */
export function smaps(core: MmCore, proc: Process): Smaps {
  const total = emptyCounts();
  const vmas: SmapsVma[] = [];
  for (const v of proc.vmas) {
    const c = emptyCounts();
    core.pageTables.forEachPresent(proc.root, v.start, v.end, (vpn) => {
      const { entry: e, page } = entryAt(core, proc, vpn);
      if (e.pfn === null || e.kind === PteKind.ZERO) return;
      for (const x of [c, total]) {
        x.byType[e.pageType!]!++;
        if (page === null) continue;
        x.rss[mmCounter(core.frames, page)]++;
        x.rss.total++;
        if (e.exclusive) x.private++;
        else x.shared++;
      }
    });
    vmas.push({ start: v.start, end: v.end, kind: v.kind, write: v.write, ...finish(c) });
  }
  return { vmas, rollup: finish(total) };
}

interface MutableCounts {
  rss: Record<MmCounter, number> & { total: number };
  byType: number[];
  private: number;
  shared: number;
}

function emptyCounts(): MutableCounts {
  return { rss: { anon: 0, file: 0, shmem: 0, total: 0 }, byType: new Array<number>(PAGE_TYPE_COUNT).fill(0), private: 0, shared: 0 };
}

function finish(c: MutableCounts): SmapsCounts {
  const byType: Record<string, number> = {};
  for (let t = 0; t < PAGE_TYPE_COUNT; t++) byType[PageType[t]!] = c.byType[t]!;
  return { rss: c.rss, byType, private: c.private, shared: c.shared };
}
