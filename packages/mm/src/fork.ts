/**
 * fork (`dup_mmap` → `copy_pte_range` → `copy_one_pte`, with patch 2/6):
 * the child gets a copy of every VMA and PTE. In COW mappings writable
 * PTEs are write-protected in both; a devmap PTE of a public page is copied
 * with get_page + mapcount + rss; a device-private entry is copied (made
 * read-only for COW) with the same accounting.
 */
import { PTE_ENTRY_WRITE, PTE_WRITE, pteKind } from '@cdmsim/shm';
import { createProcess, type Process } from './address-space.js';
import type { MmCore } from './mm-core.js';
import { MmuNotifyEvent } from './mmu-notifier.js';
import { getPage, pageAddRmap } from './page-lifetime.js';
import { pteAction } from './pte-transitions.js';
import { vmNormalPage } from './vm-normal-page.js';
import { restoreExclusivePte } from './device-exclusive.js';

/** Forks `parent`: returns the child (same CPU node and memcg). Caller holds the parent's mmap lock for write. */
export function forkProcess(core: MmCore, parent: Process): Process {
  const child = createProcess(core, parent.cpuNode, parent.memcg);
  child.mmapCursor = parent.mmapCursor;
  const pt = core.pageTables;
  for (const v of parent.vmas) {
    const cv = v.slice(v.start, v.end);
    if (cv.cache) cv.cache.users++;
    child.vmas.push(cv);
    const cow = v.isCow();
    parent.notifiers.around({ pid: parent.pid, startVpn: v.start, endVpn: v.end, event: MmuNotifyEvent.PROTECTION_PAGE, owner: null }, () => {
      pt.forEachPresent(parent.root, v.start, v.end, (vpn, pte) => {
        core.withPteLock(pte, () => {
          let bits = pt.readBits(pte);
          const pfn = pt.readPfn(pte);
          let page: number | null = null;
          // copy-on-write: both sides lose `bit` (the PTE's write bit, or a swap entry's).
          const wrprotect = (bit: number): void => {
            if (!cow || !(bits & bit)) return;
            bits &= ~bit;
            pt.write(pte, pfn, bits);
          };
          switch (pteAction('fork', pteKind(bits), parent.pid, vpn)) {
            case 'skip':
              return;
            case 'dup-zero':
              break;
            case 'dup-get-page':
            case 'dup-get-page-if-public':
              page = vmNormalPage(core, pfn, bits, true);
              wrprotect(PTE_WRITE);
              break;
            case 'restore-exclusive-then-dup':
              restoreExclusivePte(core, parent, vpn, pte);
              bits = pt.readBits(pte);
              page = pfn;
              wrprotect(PTE_WRITE);
              break;
            case 'dup-device-private':
              page = pfn;
              wrprotect(PTE_ENTRY_WRITE);
              break;
          }
          if (page !== null) {
            getPage(core, page);
            pageAddRmap(core, page);
            child.rss.inc(core.frames, page);
          }
          const cpte = pt.ensure(child.root, vpn);
          core.withPteLock(cpte, () => pt.write(cpte, pfn, bits));
        });
      });
    });
  }
  return child;
}
