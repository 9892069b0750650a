/**
 * Device-exclusive access (`make_device_exclusive`, `mm/rmap.c`, and its
 * undo in `mm/memory.c`): a device takes an anonymous page for atomic
 * access by replacing its PTE with a device-exclusive swap entry; the page
 * stays where it is, mapped (mapcount and rss kept) and referenced by the
 * entry. The next CPU touch restores the PTE
 * (`remove_device_exclusive_entry`), which invalidates the device's atomic
 * mapping; fork restores it first too (`try_restore_exclusive_pte`).
 * Only anonymous pages qualify; the write fault that precedes the swap
 * breaks copy-on-write, so the page is mapped by this process alone.
 */
import { PG, PteKind, PTE_ENTRY_WRITE, PTE_SOFT_DIRTY, PTE_WRITE, encodePteBits, pteKind } from '@cdmsim/shm';
import { Errno, errPtr } from './errno.js';
import { handleMmFault } from './fault.js';
import type { MmCore } from './mm-core.js';
import type { Process } from './address-space.js';
import { MmuNotifyEvent } from './mmu-notifier.js';

/** Most faults `makeDeviceExclusive` takes for one page before it gives up (EBUSY). */
const MAX_EXCLUSIVE_FAULTS = 4;

/**
 * `make_device_exclusive` for page `vpn` of `proc` on behalf of `owner`:
 * faults the page in for writing (`get_user_pages` with `FOLL_WRITE`),
 * then swaps its PTE for a device-exclusive entry (writable when the PTE
 * was), announced to the process's notifiers as EXCLUSIVE with `owner`.
 * Returns the pfn the device may map for atomic access, or `errPtr(errno)`
 * (test with `isErrPtr`): the fault's errno (EFAULT for a hole or a
 * read-only VMA, EAGAIN for a migration entry or a device-private page on
 * its way back), EBUSY when the page is not an anonymous RAM page (device memory,
 * the zero page, the page cache). Caller holds the mmap lock and, when
 * devices mirror the process, an open invalidation window of the page.
 */
export function makeDeviceExclusive(core: MmCore, proc: Process, vpn: number, owner: string | null): number {
  const pt = core.pageTables;
  for (let attempt = 0; attempt < MAX_EXCLUSIVE_FAULTS; attempt++) {
    const pte = pt.lookup(proc.root, vpn);
    const bits = pte < 0 ? 0 : pt.readBits(pte);
    const kind = pte < 0 ? PteKind.NONE : pteKind(bits);
    if (kind === PteKind.DEVICE_EXCLUSIVE) return pt.readPfn(pte);
    // Device-public memory is never taken exclusive (not an anonymous RAM page); no fault changes that.
    if (kind === PteKind.DEVMAP) return errPtr(Errno.EBUSY);
    if (kind === PteKind.PRESENT && bits & PTE_WRITE) {
      const pfn = pt.readPfn(pte);
      if (!core.frames.testFlag(pfn, PG.ANON) || core.frames.mapcount(pfn) !== 1) return errPtr(Errno.EBUSY);
      proc.notifiers.around({ pid: proc.pid, startVpn: vpn, endVpn: vpn + 1, event: MmuNotifyEvent.EXCLUSIVE, owner }, () =>
        core.withPteLock(pte, () => {
          // The dirty bit moves to the page now the PTE is gone; the device may write it.
          core.frames.setFlag(pfn, PG.DIRTY);
          pt.write(pte, pfn, encodePteBits({ kind: PteKind.DEVICE_EXCLUSIVE, entryWrite: true, softDirty: (bits & PTE_SOFT_DIRTY) !== 0 }));
        }),
      );
      return pfn;
    }
    // Not there, read-only, the zero page or a device-private entry: fault it in for writing, then look again.
    const r = handleMmFault(core, proc, vpn, true);
    if (r !== Errno.OK) return errPtr(r);
  }
  return errPtr(Errno.EBUSY);
}

/**
 * `restore_exclusive_pte`: turns the device-exclusive entry at `pte` (page
 * `vpn` of `proc`) back into a normal PTE: old, dirty and writable (when
 * the VMA is) for a writable entry. The page's mapcount and reference
 * carry over. Caller holds the PTE lock, and announces the change (the
 * fault path does, with EXCLUSIVE; fork runs inside its own window).
 */
export function restoreExclusivePte(core: MmCore, proc: Process, vpn: number, pte: number): void {
  const pt = core.pageTables;
  const bits = pt.readBits(pte);
  const write = (bits & PTE_ENTRY_WRITE) !== 0;
  const vma = proc.findVma(vpn);
  pt.write(pte, pt.readPfn(pte), encodePteBits({ kind: PteKind.PRESENT, write: write && (vma?.write ?? false), dirty: write, softDirty: (bits & PTE_SOFT_DIRTY) !== 0 }));
}

/** `remove_device_exclusive_entry`: a CPU fault on a device-exclusive entry; announces EXCLUSIVE (the device loses the page), then restores the PTE. Caller holds the mmap lock. */
export function removeDeviceExclusiveEntry(core: MmCore, proc: Process, vpn: number, pte: number): void {
  proc.notifiers.around({ pid: proc.pid, startVpn: vpn, endVpn: vpn + 1, event: MmuNotifyEvent.EXCLUSIVE, owner: null }, () =>
    core.withPteLock(pte, () => {
      if (pteKind(core.pageTables.readBits(pte)) === PteKind.DEVICE_EXCLUSIVE) restoreExclusivePte(core, proc, vpn, pte);
    }),
  );
}
