/**
 * Unmapping: `zap_pte_range` over a VMA range and process exit
 * (`exit_mmap`). Pages found through `_vm_normal_page(..., true)` and
 * device-private entries lose a mapping, an rss count and a reference; the
 * references are dropped together at the end (`tlb_finish_mmu` →
 * `release_pages`), so device memory is always freed with its last mapping.
 */
import { PTE_DIRTY, PG, pteKind } from '@cdmsim/shm';
import { releaseCacheUser } from './filemap.js';
import type { MmCore } from './mm-core.js';
import type { Process } from './address-space.js';
import { MmuNotifyEvent } from './mmu-notifier.js';
import { pageRemoveRmap, releasePages } from './page-lifetime.js';
import { pteAction } from './pte-transitions.js';
import { vmNormalPage } from './vm-normal-page.js';
import type { Vma } from './vma.js';

/**
 * Clears every PTE of `vma` in [startVpn, endVpn) after notifying
 * subscribers with `event`. Returns the number of pages whose reference was
 * dropped. Caller holds the mmap lock; takes each PTE lock.
 */
export function zapRange(core: MmCore, proc: Process, vma: Vma, startVpn: number, endVpn: number, event: MmuNotifyEvent): number {
  const range = { pid: proc.pid, startVpn, endVpn, event, owner: null };
  return proc.notifiers.around(range, () => {
    const gather: number[] = [];
    core.pageTables.forEachPresent(proc.root, startVpn, endVpn, (vpn, pte) => {
      core.withPteLock(pte, () => zapOnePte(core, proc, vpn, pte, gather));
    });
    releasePages(core, gather);
    return gather.length;
  });
}

/** `zap_pte_range` body for one entry: clears it and queues the page reference to drop in `gather`. Caller holds the PTE lock. */
function zapOnePte(core: MmCore, proc: Process, vpn: number, pte: number, gather: number[]): void {
  const pt = core.pageTables;
  const bits = pt.readBits(pte);
  const pfn = pt.readPfn(pte);
  const f = core.frames;
  switch (pteAction('zap', pteKind(bits), proc.pid, vpn)) {
    case 'skip':
      return;
    case 'clear':
      break;
    case 'unmap-put':
    case 'unmap-put-if-public': {
      const page = vmNormalPage(core, pfn, bits, true);
      if (page !== null) {
        if (bits & PTE_DIRTY) f.setFlag(page, PG.DIRTY);
        proc.rss.dec(f, page);
        pageRemoveRmap(core, page);
        gather.push(page);
      }
      break;
    }
    case 'unmap-put-device':
    case 'unmap-put-exclusive':
      proc.rss.dec(f, pfn);
      pageRemoveRmap(core, pfn);
      gather.push(pfn);
      break;
    case 'clear-count-rss':
      proc.rss.dec(f, pfn);
      break;
  }
  pt.clear(pte);
}

/**
 * Tears down one whole VMA of `proc` (the per-VMA step of `do_munmap` →
 * `unmap_region` + `remove_vma`, and of `exit_mmap`): zaps all of it with
 * `event`, removes it from `proc.vmas`, then drops its page-cache user.
 * Caller holds the mmap lock for write; `vma` is one of `proc.vmas`.
 */
export function removeVma(core: MmCore, proc: Process, vma: Vma, event: MmuNotifyEvent): void {
  zapRange(core, proc, vma, vma.start, vma.end, event);
  proc.vmas.splice(proc.vmas.indexOf(vma), 1);
  if (vma.cache) releaseCacheUser(core, vma.cache);
}

/**
 * `exit_mmap`: notifies RELEASE, zaps every VMA, drops page-cache users and
 * removes the process. Device memory the process mapped is freed with its
 * last mapping (device pages are never pinned). Caller holds the mmap lock.
 */
export function exitProcess(core: MmCore, proc: Process): void {
  for (const v of [...proc.vmas]) removeVma(core, proc, v, MmuNotifyEvent.RELEASE);
  core.processes.delete(proc.pid);
}
