/**
 * `migrate_vma` (mm/migrate.c with patch 2/6): migrate a range of one VMA to
 * memory a driver allocates. Steps: collect (lock, isolate, check, unmap
 * into migration entries) → driver `allocAndCopy` (may decline a page by
 * leaving dst null) → move struct page state (flags, mapping, memcg) →
 * driver `finalizeAndMap` → restore PTEs (device-private entry, devmap PTE
 * or normal PTE) and drop the old pages. Partial migration is normal.
 */
import type { Pid } from '@cdmsim/engine';
import { PTE_DIRTY, PTE_ENTRY_WRITE, PTE_WRITE, PG, PageType, PteKind, encodePteBits, pteKind } from '@cdmsim/shm';
import { Errno } from './errno.js';
import { isHmmDevicePage } from './memory-node.js';
import type { MmCore } from './mm-core.js';
import type { Process } from './address-space.js';
import type { Vma } from './vma.js';
import { MmuNotifyEvent } from './mmu-notifier.js';
import { getPage, pageAddRmap, pageRemoveRmap, putPage } from './page-lifetime.js';
import { pteAction } from './pte-transitions.js';
import { rmapWalk } from './rmap.js';
import { vmNormalPage } from './vm-normal-page.js';

/** One page slot of a migration (`src[i]` / `dst[i]` with their MIGRATE_PFN_* flags). */
export interface MigrateEntry {
  readonly vpn: number;
  /** Source page (locked, isolated, unmapped), or null for an empty / zero-page slot. */
  readonly src: number | null;
  /** Destination page chosen by `allocAndCopy` (refcount held by the driver), or null = declined. */
  dst: number | null;
  /** MIGRATE_PFN_MIGRATE: still migrating. Cleared when a step declines the page. */
  migrate: boolean;
  /** MIGRATE_PFN_WRITE: the source was mapped writable. */
  readonly write: boolean;
}

/** A migration in progress (`struct migrate_vma`). */
export interface MigrateVma {
  readonly pid: Pid;
  readonly startVpn: number;
  readonly endVpn: number;
  readonly entries: MigrateEntry[];
}

/** Driver callbacks (`struct migrate_vma_ops`). The source pages are locked by the core; copy under that lock. */
export interface MigrateVmaOps {
  /** Allocates a destination for each `migrate` entry (src may be null: allocate a zeroed page) and copies the data; leaves dst null to decline. */
  allocAndCopy(core: MmCore, m: MigrateVma): void;
  /** Called after struct page state moved; entries with `migrate` false did not move (their copy is wasted bandwidth, accepted). */
  finalizeAndMap(core: MmCore, m: MigrateVma): void;
}

/** Counts of one migrate_vma call. */
export interface MigrateResult {
  readonly migrated: number;
  readonly skipped: number;
}

interface Unmapped {
  readonly proc: Process;
  readonly vpn: number;
  readonly pte: number;
  readonly write: boolean;
}

/**
 * Migrates [startVpn, endVpn) of `proc` (one VMA) with `ops`. Returns the
 * counts, or EINVAL if the range is not inside one VMA (or it is a dax
 * VMA). `owner` tags the MIGRATE notifier events. Caller holds the mmap
 * lock of `proc` (for read in the kernel).
 */
export function migrateVma(core: MmCore, ops: MigrateVmaOps, proc: Process, startVpn: number, endVpn: number, owner: string | null): MigrateResult | Errno {
  const pending = migrateVmaCollect(core, proc, startVpn, endVpn, owner);
  if (typeof pending === 'number') return pending;
  // The sources are unmapped, so no CPU can write them any more: bring dirty cached lines home before the driver copies them.
  for (const e of pending.m.entries) if (e.src !== null) core.coherence.flushPage(e.src);
  ops.allocAndCopy(core, pending.m);
  return migrateVmaFinish(core, pending, ops);
}

/**
 * A migration between its collect step and its finish: the source pages
 * are locked, isolated and replaced by migration entries. The driver fills
 * `m.entries[i].dst` (its `alloc_and_copy`), possibly on another node
 * worker, then the caller runs `migrateVmaFinish`.
 */
export interface PendingMigration {
  readonly proc: Process;
  readonly m: MigrateVma;
  /** @internal every PTE unmapped per source page, for the restore step. */
  readonly unmapped: Map<number, Unmapped[]>;
}

/**
 * The first half of `migrate_vma`: checks the range and collects it
 * (lock, isolate, check, unmap into migration entries). Returns the pending
 * migration, or EINVAL if the range is not inside one VMA (or it is a dax
 * VMA). Until `migrateVmaFinish` runs, CPU faults on the range see
 * migration entries (EAGAIN: wait). Caller holds the mmap lock of `proc`.
 */
export function migrateVmaCollect(core: MmCore, proc: Process, startVpn: number, endVpn: number, owner: string | null): PendingMigration | Errno {
  const vma = proc.findVma(startVpn);
  if (!vma || endVpn > vma.end || endVpn <= startVpn || vma.kind === 'dax') return Errno.EINVAL;
  const m: MigrateVma = { pid: proc.pid, startVpn, endVpn, entries: [] };
  const unmapped = new Map<number, Unmapped[]>();
  proc.notifiers.around({ pid: proc.pid, startVpn, endVpn, event: MmuNotifyEvent.MIGRATE, owner }, () => collect(core, proc, m, unmapped, owner));
  return { proc, m, unmapped };
}

/**
 * The second half of `migrate_vma`, after the driver chose destinations
 * (and copied): moves struct page state (`migrate_vma_pages`), calls
 * `ops.finalizeAndMap` if given, restores PTEs and drops the old pages
 * (`migrate_vma_finalize`). Returns the counts. Caller holds the mmap lock
 * of `pending.proc` and owns a reference on every `dst` it set.
 */
export function migrateVmaFinish(core: MmCore, pending: PendingMigration, ops?: MigrateVmaOps): MigrateResult {
  migratePages(core, pending.proc, pending.m);
  ops?.finalizeAndMap(core, pending.m);
  return finalize(core, pending.m, pending.unmapped);
}

/** `migrate_vma_collect` + `migrate_vma_prepare` + `migrate_vma_unmap`. */
function collect(core: MmCore, proc: Process, m: MigrateVma, unmapped: Map<number, Unmapped[]>, owner: string | null): void {
  const pt = core.pageTables;
  const vma = proc.findVma(m.startVpn)!;
  for (let vpn = m.startVpn; vpn < m.endVpn; vpn++) {
    const pte = pt.lookup(proc.root, vpn);
    const bits = pte < 0 ? 0 : pt.readBits(pte);
    const pfn = pte < 0 ? 0 : pt.readPfn(pte);
    let page: number | null = null;
    let write = false;
    switch (pteAction('migrate-collect', pteKind(bits), proc.pid, vpn)) {
      case 'collect-empty':
        m.entries.push({ vpn, src: null, dst: null, migrate: vma.kind === 'anon', write: vma.write });
        continue;
      case 'collect-page':
      case 'collect-page-if-public':
        page = vmNormalPage(core, pfn, bits, true);
        write = (bits & PTE_WRITE) !== 0;
        break;
      case 'collect-device-private':
        page = pfn;
        write = (bits & PTE_ENTRY_WRITE) !== 0;
        break;
      case 'skip':
        break;
    }
    if (page === null) continue;
    if (!isolateAndUnmap(core, page, unmapped, owner, proc)) {
      core.stats.skippedMigrations++;
      continue;
    }
    m.entries.push({ vpn, src: page, dst: null, migrate: true, write });
  }
}

/**
 * Locks, references, isolates and checks one page (`migrate_vma_check_page`:
 * refcount − extra must equal mapcount, extra = our reference + 1 for an
 * HMM device page + 1 for the page cache), then replaces every mapping by
 * a migration entry. Returns false (page untouched) when it must be skipped.
 */
function isolateAndUnmap(core: MmCore, page: number, unmapped: Map<number, Unmapped[]>, owner: string | null, self: Process): boolean {
  const f = core.frames;
  if (!f.trylockPage(page)) return false;
  getPage(core, page);
  const ram = f.pageType(page) === PageType.SYSTEM_RAM;
  if (ram && !core.lruOf(page).del(page)) return undo(core, page, false);
  if (ram) f.setFlag(page, PG.ISOLATED);
  const extra = 1 + f.idleRefcount(page) + (f.mapping(page) !== 0 ? 1 : 0);
  if (!migrateVmaCheckPage(f.refcount(page), f.mapcount(page), extra)) return undo(core, page, ram);
  const list: Unmapped[] = [];
  for (const hit of rmapWalk(core, page)) {
    const unmapOne = (): void =>
      core.withPteLock(hit.pte, () => {
        const bits = core.pageTables.readBits(hit.pte);
        const w = pteKind(bits) === PteKind.DEVICE_PRIVATE ? (bits & PTE_ENTRY_WRITE) !== 0 : (bits & PTE_WRITE) !== 0;
        if (bits & PTE_DIRTY) f.setFlag(page, PG.DIRTY);
        core.pageTables.write(hit.pte, page, encodePteBits({ kind: PteKind.MIGRATION, entryWrite: w }));
        pageRemoveRmap(core, page);
        f.refDec(page); // the mapping's reference; ours keeps the page alive
        list.push({ proc: hit.proc, vpn: hit.vpn, pte: hit.pte, write: w });
      });
    if (hit.proc === self) unmapOne();
    else hit.proc.notifiers.around({ pid: hit.proc.pid, startVpn: hit.vpn, endVpn: hit.vpn + 1, event: MmuNotifyEvent.MIGRATE, owner }, unmapOne);
  }
  unmapped.set(page, list);
  return true;
}

/** `migrate_vma_check_page`: true when the only references are the mappings plus the `extra` expected ones (a GUP pin makes it false). */
export function migrateVmaCheckPage(refcount: number, mapcount: number, extra: number): boolean {
  return refcount - extra === mapcount;
}

function undo(core: MmCore, page: number, ram: boolean): false {
  if (ram) {
    core.frames.clearFlag(page, PG.ISOLATED);
    core.lruOf(page).add(page);
  }
  core.frames.unlockPage(page);
  putPage(core, page);
  return false;
}

/** `migrate_vma_pages`: moves struct page state from each source to its destination. */
function migratePages(core: MmCore, proc: Process, m: MigrateVma): void {
  const f = core.frames;
  const vma = proc.findVma(m.startVpn)!;
  for (const e of m.entries) {
    if (!e.migrate) continue;
    if (e.dst === null) {
      e.migrate = false;
      continue;
    }
    const dst = e.dst;
    if (e.src === null) {
      f.setFlags(dst, (f.flags(dst) & PG.RESERVED) | PG.ANON | PG.SWAPBACKED | PG.UPTODATE);
      f.setIndex(dst, e.vpn);
      e.migrate = core.memcgs.tryCharge(proc.memcg, dst) === Errno.OK && migrateVmaInsertPage(core, proc, vma, e.vpn, dst);
      continue;
    }
    const src = e.src;
    const mapping = f.mapping(src);
    // Only anonymous memory may move to unaddressable device-private memory.
    if (mapping !== 0 && f.pageType(dst) === PageType.DEVICE_PRIVATE) {
      e.migrate = false;
      continue;
    }
    const moved = f.flags(src) & (PG.ANON | PG.SWAPBACKED | PG.DIRTY | PG.UPTODATE);
    f.setFlags(dst, (f.flags(dst) & PG.RESERVED) | moved);
    f.setMapping(dst, mapping);
    f.setIndex(dst, f.index(src));
    core.memcgs.migrate(src, dst);
    if (mapping !== 0) {
      const cache = core.caches.get(mapping);
      if (cache) cache.pages.set(f.index(src), dst);
      f.refInc(dst); // the page cache's reference moves to the new page
      f.refDec(src);
      f.setMapping(src, 0);
    }
  }
}

/**
 * `migrate_vma_insert_page`: maps `dst` where collect found an empty slot
 * or the zero page (no migration entry held it). Returns false when a
 * fault filled the slot meanwhile (`if (!pte_none(*ptep)) goto
 * unlock_abort`): that page wins and `dst` is not used.
 */
function migrateVmaInsertPage(core: MmCore, proc: Process, vma: Vma, vpn: number, dst: number): boolean {
  const pte = core.pageTables.ensure(proc.root, vpn);
  return core.withPteLock(pte, () => {
    const kind = pteKind(core.pageTables.readBits(pte));
    if (kind !== PteKind.NONE && kind !== PteKind.ZERO) return false;
    core.pageTables.write(pte, dst, pteBitsFor(core, dst, vma.write, vma.write));
    pageAddRmap(core, dst);
    proc.rss.inc(core.frames, dst);
    return true;
  });
}

/** `migrate_vma_finalize`: restores PTEs (`remove_migration_ptes`) and drops the pages that are done (holes were mapped by `migrate_vma_insert_page` already). */
function finalize(core: MmCore, m: MigrateVma, unmapped: Map<number, Unmapped[]>): MigrateResult {
  const f = core.frames;
  let migrated = 0;
  let skipped = 0;
  for (const e of m.entries) {
    if (e.src === null) {
      if (e.migrate) {
        if (f.pageType(e.dst!) === PageType.SYSTEM_RAM) core.lruOf(e.dst!).add(e.dst!);
        migrated++; // the allocation reference became the mapping's
      } else if (e.dst !== null) {
        putPage(core, e.dst);
        skipped++;
      }
      continue;
    }
    const src = e.src;
    const next = e.migrate ? e.dst! : src;
    for (const u of unmapped.get(src) ?? []) {
      core.withPteLock(u.pte, () => {
        const bits = core.pageTables.readBits(u.pte);
        if (pteKind(bits) !== PteKind.MIGRATION || core.pageTables.readPfn(u.pte) !== src) return; // zapped meanwhile
        core.pageTables.write(u.pte, next, pteBitsFor(core, next, u.write, u.write));
        getPage(core, next);
        pageAddRmap(core, next);
        if (next !== src) u.proc.rss.migrate(f, src, next);
      });
    }
    if (f.pageType(src) === PageType.SYSTEM_RAM) {
      f.clearFlag(src, PG.ISOLATED);
      if (!e.migrate) core.lruOf(src).add(src);
    }
    f.unlockPage(src);
    putPage(core, src);
    if (e.dst !== null) {
      if (e.migrate && f.pageType(e.dst) === PageType.SYSTEM_RAM) core.lruOf(e.dst).add(e.dst);
      putPage(core, e.dst);
    }
    if (e.migrate) migrated++;
    else skipped++;
  }
  core.stats.migratedPages += migrated;
  core.stats.skippedMigrations += skipped;
  return { migrated, skipped };
}

/** PTE bits mapping `pfn`: device-private entry, devmap PTE (public; dirty when writable) or normal PTE. */
function pteBitsFor(core: MmCore, pfn: number, write: boolean, dirty: boolean): number {
  switch (core.frames.pageType(pfn)) {
    case PageType.DEVICE_PRIVATE:
      return encodePteBits({ kind: PteKind.DEVICE_PRIVATE, entryWrite: write });
    case PageType.DEVICE_PUBLIC:
      return encodePteBits({ kind: PteKind.DEVMAP, special: true, write, dirty: write && dirty });
    default:
      return encodePteBits({ kind: PteKind.PRESENT, write, dirty: write && dirty });
  }
}

/**
 * CPU-side ops that migrate device pages back to system RAM (the driver's
 * fault callback, eviction, long-term GUP use it). Destinations come from
 * `order` (default: the process's local RAM then other RAM nodes); no memcg
 * charge is taken (the charge moves), so it never fails on a memcg limit.
 * Empty slots are not populated.
 */
export function ramMigrateOps(): MigrateVmaOps {
  return {
    allocAndCopy(core, m) {
      const proc = core.process(m.pid);
      const order = core.localFirstOrder(proc.cpuNode);
      for (const e of m.entries) {
        if (!e.migrate || e.src === null || !isHmmDevicePage(core.frames, e.src)) continue;
        const dst = core.allocRamPage(order);
        if (dst === null) continue;
        core.content.copyPage(e.src, dst);
        e.dst = dst;
      }
    },
    finalizeAndMap() {},
  };
}

/** Migrates the device pages of [startVpn, endVpn) of `proc` back to RAM (`ramMigrateOps`). */
export function migrateToRam(core: MmCore, proc: Process, startVpn: number, endVpn: number, owner: string | null = null): MigrateResult | Errno {
  return migrateVma(core, ramMigrateOps(), proc, startVpn, endVpn, owner);
}
