/**
 * CPU page faults (`handle_mm_fault`): anonymous first touch (placement
 * policy picks the RAM node), zero page, COW (`do_wp_page`), file / shmem
 * faults through the page cache, device-private entries (the owning
 * driver's fault callback migrates the page back to RAM) and migration
 * entries (wait, then retry).
 */
import { CdmsimError } from '@cdmsim/engine';
import { PTE_DIRTY, PTE_WRITE, PTE_YOUNG, PG, PageType, PteKind, encodePteBits, pteKind } from '@cdmsim/shm';
import { Errno, errPtr, isErrPtr, ptrErr } from './errno.js';
import { findOrCreateCachePage } from './filemap.js';
import type { MmCore } from './mm-core.js';
import type { Process } from './address-space.js';
import { MmuNotifyEvent } from './mmu-notifier.js';
import { getPage, pageAddRmap, pageRemoveRmap, putPage } from './page-lifetime.js';
import { pteAction } from './pte-transitions.js';
import { removeDeviceExclusiveEntry } from './device-exclusive.js';
import { vmNormalPage } from './vm-normal-page.js';
import type { Vma } from './vma.js';

/** Most times one fault retries after a device-private fault callback. */
const MAX_FAULT_RETRIES = 4;

/**
 * `handle_mm_fault` for one CPU access to `vpn`. Returns OK when the access
 * may now proceed, EFAULT (no VMA / no permission / driver failed), ENOMEM
 * (no RAM or memcg limit: the caller may run the OOM killer) or EAGAIN (a
 * migration entry: the page is being migrated; retry after it ends, like
 * `migration_entry_wait`). Caller holds the mmap lock for read.
 */
export function handleMmFault(core: MmCore, proc: Process, vpn: number, write: boolean): Errno {
  const vma = proc.findVma(vpn);
  if (!vma) return Errno.EFAULT;
  if (write ? !vma.write : !vma.read) return Errno.EFAULT;
  core.stats.faults++;
  const pt = core.pageTables;
  const pte = pt.ensure(proc.root, vpn);
  for (let attempt = 0; attempt < MAX_FAULT_RETRIES; attempt++) {
    const bits = pt.readBits(pte);
    const pfn = pt.readPfn(pte);
    const action = pteAction(write ? 'cpu-write' : 'cpu-read', pteKind(bits), proc.pid, vpn);
    switch (action) {
      case 'fault':
        return doFault(core, proc, vma, vpn, pte, write);
      case 'access':
      case 'access-device':
      case 'access-zero':
        return Errno.OK;
      case 'access-or-wp-fault':
      case 'access-device-or-wp-fault':
        return bits & PTE_WRITE ? Errno.OK : doWpPage(core, proc, vma, vpn, pte);
      case 'cow-from-zero':
        return doWpPage(core, proc, vma, vpn, pte);
      case 'wait-migration':
        return Errno.EAGAIN;
      case 'restore-exclusive':
        removeDeviceExclusiveEntry(core, proc, vpn, pte);
        continue; // the entry is a normal PTE again: look again
      case 'device-fault': {
        const owner = core.devmem.ownerOf(pfn);
        if (!owner) return Errno.EFAULT;
        const r = owner.ops.fault(proc.pid, vpn, pfn, write);
        if (r !== Errno.OK) return r;
        continue; // the entry changed: look again
      }
      default:
        throw new CdmsimError(`fault: unhandled action ${action}`);
    }
  }
  return Errno.EAGAIN;
}

/** Installs a PTE for a page the caller already referenced for this mapping; counts rmap + rss. Caller holds the mmap lock. */
function mapPage(core: MmCore, proc: Process, pte: number, pfn: number, write: boolean, dirty: boolean): void {
  const type = core.frames.pageType(pfn);
  const kind = type === PageType.DEVICE_PUBLIC ? PteKind.DEVMAP : PteKind.PRESENT;
  const bits = encodePteBits({ kind, write, dirty, young: true, special: kind === PteKind.DEVMAP });
  core.withPteLock(pte, () => {
    core.pageTables.write(pte, pfn, bits);
    pageAddRmap(core, pfn);
    proc.rss.inc(core.frames, pfn);
  });
}

/**
 * Allocates, charges and LRU-adds a new anonymous RAM page for `vpn`
 * (`alloc_page_vma` + `mem_cgroup_try_charge` + `page_add_new_anon_rmap`
 * flags). Returns the pfn at refcount 1 or `errPtr(ENOMEM)`. Never device memory.
 */
function newAnonPage(core: MmCore, proc: Process, vma: Vma, vpn: number): number {
  const pfn = core.allocRamPage(core.placement(core, proc, vma, vpn));
  if (pfn === null) return errPtr(Errno.ENOMEM);
  core.frames.setFlags(pfn, PG.ANON | PG.SWAPBACKED | PG.UPTODATE);
  core.frames.setIndex(pfn, vpn);
  if (core.memcgs.tryCharge(proc.memcg, pfn) !== Errno.OK) {
    putPage(core, pfn);
    return errPtr(Errno.ENOMEM);
  }
  core.lruOf(pfn).add(pfn, true);
  return pfn;
}

/** `do_anonymous_page` / `do_read_fault` / `do_cow_fault` / `do_shared_fault` for a pte_none entry. */
function doFault(core: MmCore, proc: Process, vma: Vma, vpn: number, pte: number, write: boolean): Errno {
  if (vma.kind === 'dax') {
    // DEVICE_HOST pages are mapped 1:1 with devmap|special PTEs: no refcount, no rss, never migrated.
    const pfn = vma.cache!.daxBasePfn! + vma.indexOf(vpn);
    const bits = encodePteBits({ kind: PteKind.DEVMAP, special: true, young: true, write: write && vma.write, dirty: write });
    core.withPteLock(pte, () => core.pageTables.write(pte, pfn, bits));
    return Errno.OK;
  }
  if (vma.kind === 'anon') {
    if (!write) {
      core.withPteLock(pte, () => core.pageTables.write(pte, core.zeroPfn, encodePteBits({ kind: PteKind.ZERO, special: true, young: true })));
      return Errno.OK;
    }
    const pfn = newAnonPage(core, proc, vma, vpn);
    if (isErrPtr(pfn)) return ptrErr(pfn);
    mapPage(core, proc, pte, pfn, vma.write, true);
    return Errno.OK;
  }
  const cache = vma.cache!;
  const cached = findOrCreateCachePage(core, proc, vma, vpn, cache, vma.indexOf(vpn));
  if (isErrPtr(cached)) return ptrErr(cached);
  if (write && vma.isCow()) {
    // do_cow_fault: a private copy of the file page.
    const copy = newAnonPage(core, proc, vma, vpn);
    if (isErrPtr(copy)) return ptrErr(copy);
    core.coherence.copyPageByCpu(cached, copy); // copy_user_highpage: the copy must see the last write of every line
    core.stats.cowCopies++;
    mapPage(core, proc, pte, copy, true, true);
    return Errno.OK;
  }
  getPage(core, cached);
  mapPage(core, proc, pte, cached, write && vma.isShared(), write);
  if (write) core.frames.setFlag(cached, PG.DIRTY);
  return Errno.OK;
}

/**
 * `do_wp_page`: write to a present read-only PTE of a writable VMA. Shared
 * mapping → make writable. Anonymous page mapped once with no other
 * reference → reuse. Otherwise copy to a new RAM page (`wp_page_copy`) and
 * drop the old mapping, announced to the mm's notifiers (CLEAR) first. A
 * shared device-public page found through
 * `_vm_normal_page(..., true)` loses its mapping correctly (the 2017 code
 * used `vm_normal_page` here and so never dropped it).
 */
function doWpPage(core: MmCore, proc: Process, vma: Vma, vpn: number, pte: number): Errno {
  const pt = core.pageTables;
  const f = core.frames;
  const bits = pt.readBits(pte);
  const oldPfn = pt.readPfn(pte);
  const old = pteKind(bits) === PteKind.ZERO ? null : vmNormalPage(core, oldPfn, bits, true);
  if (vma.isShared() && old !== null) {
    core.withPteLock(pte, () => pt.write(pte, oldPfn, bits | PTE_WRITE | PTE_DIRTY | PTE_YOUNG));
    f.setFlag(old, PG.DIRTY);
    return Errno.OK;
  }
  if (old !== null && f.testFlag(old, PG.ANON)) {
    if (f.mapcount(old) === 1 && f.refcount(old) === f.idleRefcount(old) + 1) {
      core.withPteLock(pte, () => pt.write(pte, oldPfn, bits | PTE_WRITE | PTE_DIRTY | PTE_YOUNG));
      return Errno.OK;
    }
  }
  if (pteKind(bits) === PteKind.DEVMAP && old === null) return Errno.EFAULT; // host (dax) page: VM_MIXEDMAP, no COW here
  const copy = newAnonPage(core, proc, vma, vpn);
  if (isErrPtr(copy)) return ptrErr(copy);
  if (old !== null) {
    core.coherence.copyPageByCpu(old, copy); // copy_user_highpage
  }
  core.stats.cowCopies++;
  // wp_page_copy: the old page leaves this address between invalidate_range_start and _end (MMU_NOTIFY_CLEAR), so no mirror keeps it.
  proc.notifiers.around({ pid: proc.pid, startVpn: vpn, endVpn: vpn + 1, event: MmuNotifyEvent.CLEAR, owner: null }, () =>
    core.withPteLock(pte, () => {
      if (old !== null) {
        pageRemoveRmap(core, old);
        proc.rss.dec(f, old);
      }
      pt.write(pte, copy, encodePteBits({ kind: PteKind.PRESENT, write: true, dirty: true, young: true }));
      pageAddRmap(core, copy);
      proc.rss.inc(f, copy);
    }),
  );
  if (old !== null) putPage(core, old);
  return Errno.OK;
}
