/**
 * `get_user_pages` (mm/gup.c) with the FOLL_LONGTERM semantics of later
 * kernels (`check_and_migrate_movable_pages`, DEVICE_COHERENT): device
 * memory is never pinned [6/6]. A device-private entry is not present, so
 * GUP faults it back to RAM (the driver's fault callback) before taking
 * any reference; a long-term pin of a public page first migrates it to RAM
 * and pins the RAM page. Short-term references on public pages are
 * allowed (they block migration while held). Every reference is counted in
 * `core.gupRefs` (long-term ones also in `core.longtermPins`) so the
 * invariant checker can account for it.
 */
import { CdmsimError } from '@cdmsim/engine';
import { PteKind, pteAccessPermitted, pteKind } from '@cdmsim/shm';
import type { Process } from './address-space.js';
import { Errno, errPtr, isErrPtr, ptrErr } from './errno.js';
import { handleMmFault } from './fault.js';
import { isHmmDevicePage } from './memory-node.js';
import { migrateToRam } from './migrate-vma.js';
import type { MmCore } from './mm-core.js';
import { getPage, putPage } from './page-lifetime.js';
import { vmNormalPage } from './vm-normal-page.js';

/** GUP flags. */
export interface GupFlags {
  /** FOLL_WRITE: the pages will be written (breaks COW first). */
  readonly write?: boolean;
  /** FOLL_LONGTERM (pin_user_pages): the reference may be held indefinitely; never on device memory. */
  readonly longterm?: boolean;
  /**
   * The caller moved the range's device pages to RAM itself beforehand (a
   * CPU node whose drivers live on other workers migrates over the bus,
   * mirrors invalidated first): a device page a long-term pin still meets
   * is EBUSY (try again) instead of being migrated here.
   */
  readonly callerMigrates?: boolean;
}

/** Most fault / migrate rounds per page before giving up with EBUSY. */
const MAX_GUP_RETRIES = 6;

/** Tag on the mmu-notifier events of the migration a long-term pin triggers. */
export const GUP_MIGRATE_OWNER = 'gup-longterm';

/**
 * `__get_user_pages` (+ `check_and_migrate_movable_pages` for long-term
 * pins): takes one reference on the page behind each vpn of
 * [startVpn, startVpn+pages), faulting pages in (`faultin_page`) as
 * needed. Returns the pfns (the zero page, not refcounted, may appear for
 * a read) or, all-or-nothing, an Errno: EFAULT (no VMA / no permission /
 * fault failed), ENOMEM (no RAM), EOPNOTSUPP (long-term pin of a dax
 * mapping), EFAULT for a short-term GUP of dax (DEVICE_HOST pages are not
 * refcounted in this model), EBUSY (a device page could not be moved to
 * RAM for a long-term pin), EAGAIN (a page under migration, or a
 * device-private page whose driver migrates it back asynchronously: wait,
 * then call again). Caller holds the mmap lock for read; release
 * with `releaseUserPages` and the same `longterm`.
 */
export function getUserPages(core: MmCore, proc: Process, startVpn: number, pages: number, flags: GupFlags = {}): number[] | Errno {
  if (!Number.isInteger(pages) || pages < 1 || startVpn < 0) return Errno.EINVAL;
  const taken: number[] = [];
  for (let vpn = startVpn; vpn < startVpn + pages; vpn++) {
    const r = followOrFault(core, proc, vpn, flags);
    if (isErrPtr(r)) {
      releaseUserPages(core, taken, flags);
      return ptrErr(r);
    }
    taken.push(r);
  }
  return taken;
}

/** One page: `follow_page_mask`, else `faultin_page`, until a reference is taken. Returns the pfn or `errPtr(errno)`. Caller holds the mmap lock for read. */
function followOrFault(core: MmCore, proc: Process, vpn: number, flags: GupFlags): number {
  const write = flags.write ?? false;
  const pt = core.pageTables;
  for (let attempt = 0; attempt < MAX_GUP_RETRIES; attempt++) {
    const vma = proc.findVma(vpn);
    if (!vma || (write ? !vma.write : !vma.read)) return errPtr(Errno.EFAULT); // check_vma_flags
    if (vma.kind === 'dax') return errPtr(flags.longterm ? Errno.EOPNOTSUPP : Errno.EFAULT);
    const pte = pt.lookup(proc.root, vpn);
    const bits = pte < 0 ? 0 : pt.readBits(pte);
    if (pteAccessPermitted(bits, write)) {
      if (pteKind(bits) === PteKind.ZERO) return core.zeroPfn;
      const page = vmNormalPage(core, pt.readPfn(pte), bits, true);
      if (page === null) return errPtr(Errno.EFAULT);
      if (flags.longterm && isHmmDevicePage(core.frames, page)) {
        if (flags.callerMigrates) return errPtr(Errno.EBUSY);
        // check_and_migrate_movable_pages: never pin device memory; move the page to RAM and look again.
        const m = migrateToRam(core, proc, vpn, vpn + 1, GUP_MIGRATE_OWNER);
        if (typeof m !== 'object' || m.migrated === 0) return errPtr(Errno.EBUSY);
        continue;
      }
      core.withPteLock(pte, () => getPage(core, page)); // follow_page_pte: FOLL_GET under the PTE lock
      bump(core.gupRefs, page, +1);
      if (flags.longterm) bump(core.longtermPins, page, +1);
      return page;
    }
    // Not present (none, device-private entry, migration entry) or not writable: fault, then follow again.
    // EAGAIN (VM_FAULT_RETRY: a migration entry, or a device-private page its driver moves back asynchronously) goes to the caller, who waits and walks again.
    const r = handleMmFault(core, proc, vpn, write);
    if (r !== Errno.OK) return errPtr(r);
  }
  return errPtr(Errno.EBUSY);
}

/**
 * `put_page` / `unpin_user_pages` for references taken by `getUserPages`
 * with the same `longterm` flag. Throws CdmsimError for a pfn without such
 * a reference (an unbalanced release is a caller bug). Caller owns the
 * references.
 */
export function releaseUserPages(core: MmCore, pfns: readonly number[], flags: GupFlags = {}): void {
  for (const pfn of pfns) {
    if (pfn === core.zeroPfn) continue;
    if ((core.gupRefs.get(pfn) ?? 0) < 1) throw new CdmsimError(`releaseUserPages: pfn ${pfn} holds no GUP reference`);
    if (flags.longterm && (core.longtermPins.get(pfn) ?? 0) < 1) throw new CdmsimError(`releaseUserPages: pfn ${pfn} holds no long-term pin`);
    if (!flags.longterm && (core.gupRefs.get(pfn) ?? 0) <= (core.longtermPins.get(pfn) ?? 0)) throw new CdmsimError(`releaseUserPages: pfn ${pfn} holds only long-term pins; release them with longterm: true`);
    bump(core.gupRefs, pfn, -1);
    if (flags.longterm) bump(core.longtermPins, pfn, -1);
    putPage(core, pfn);
  }
}

function bump(m: Map<number, number>, pfn: number, delta: number): void {
  const n = (m.get(pfn) ?? 0) + delta;
  if (n === 0) m.delete(pfn);
  else m.set(pfn, n);
}
