/**
 * `mprotect` (mm/mprotect.c): changes the permissions of a range (read-write, read-only, none).
 * A downgrade rewrites every PTE through the `wrprotect` row of the PTE
 * table, after invalidating mirrors (mmu notifier, PROTECTION_VMA):
 * present and devmap PTEs lose the hardware write bit, device-private and
 * migration entries lose the write bit of the entry. An upgrade changes no
 * PTE: the next write faults and `do_wp_page` makes it writable.
 */
import { PTE_ENTRY_WRITE, PTE_WRITE, pteKind } from '@cdmsim/shm';
import { splitVmasAt, type Process } from './address-space.js';
import { Errno } from './errno.js';
import type { MmCore } from './mm-core.js';
import { MmuNotifyEvent } from './mmu-notifier.js';
import { pteAction } from './pte-transitions.js';
import type { Vma } from './vma.js';

/** Returns whether every page of [startVpn, endVpn) lies in some VMA of `proc`. */
export function rangeFullyMapped(proc: Process, startVpn: number, endVpn: number): boolean {
  let cursor = startVpn;
  for (const v of proc.vmas) {
    if (v.end <= cursor) continue;
    if (v.start > cursor) return false;
    cursor = v.end;
    if (cursor >= endVpn) return true;
  }
  return cursor >= endVpn;
}

/**
 * `do_mprotect_pkey`: makes [startVpn, startVpn+pages) writable
 * (PROT_READ | PROT_WRITE), read-only (PROT_READ) or, with `read` false,
 * inaccessible (PROT_NONE: `write` is ignored); VMAs are split at the
 * edges. Returns OK, EINVAL (bad arguments) or ENOMEM (a page of the range
 * is not mapped; nothing changed). Any downgrade invalidates the mirrors of
 * the VMA and write-protects its entries (`changeProtectionWrprotect`); a
 * PROT_NONE VMA keeps its pages, but the CPU (`accessPfn`) and devices
 * (`hmmRangeFault`) fault on it with EFAULT. Caller holds the mmap lock for
 * write; takes each PTE lock.
 */
export function mprotect(core: MmCore, proc: Process, startVpn: number, pages: number, write: boolean, read = true): Errno {
  if (!Number.isInteger(pages) || pages < 1 || startVpn < 0) return Errno.EINVAL;
  const endVpn = startVpn + pages;
  if (!rangeFullyMapped(proc, startVpn, endVpn)) return Errno.ENOMEM;
  const writable = read && write;
  for (const v of splitVmasAt(proc, startVpn, endVpn)) {
    if (v.write === writable && v.read === read) continue;
    const downgrade = (v.write && !writable) || (v.read && !read);
    v.write = writable; // mprotect_fixup: vma->vm_flags
    v.read = read;
    if (downgrade) changeProtectionWrprotect(core, proc, v);
  }
  return Errno.OK;
}

/**
 * `change_protection` → `change_pte_range` removing write permission from
 * every entry of `vma`, between `invalidate_range_start` / `_end`
 * (MMU_NOTIFY_PROTECTION_VMA) so no mirror keeps a writable copy. Returns
 * the number of entries changed. Caller holds the mmap lock for write.
 */
export function changeProtectionWrprotect(core: MmCore, proc: Process, vma: Vma): number {
  const pt = core.pageTables;
  const range = { pid: proc.pid, startVpn: vma.start, endVpn: vma.end, event: MmuNotifyEvent.PROTECTION_VMA, owner: null };
  return proc.notifiers.around(range, () => {
    let changed = 0;
    pt.forEachPresent(proc.root, vma.start, vma.end, (vpn, pte) => {
      core.withPteLock(pte, () => {
        const bits = pt.readBits(pte);
        let next = bits;
        switch (pteAction('wrprotect', pteKind(bits), proc.pid, vpn)) {
          case 'skip':
            return;
          case 'clear-write':
            next = bits & ~PTE_WRITE;
            break;
          case 'clear-entry-write':
            next = bits & ~PTE_ENTRY_WRITE;
            break;
        }
        if (next !== bits) {
          pt.write(pte, pt.readPfn(pte), next);
          changed++;
        }
      });
    });
    return changed;
  });
}
