/**
 * Reverse mapping by page-table walk (`rmap_walk` stand-in): finds every PTE
 * of every live process that maps a page. cdmsim keeps no anon_vma chains,
 * so this scans the VMAs that could map the page; fine for a model.
 */
import { PteKind, pteKind } from '@cdmsim/shm';
import type { MmCore } from './mm-core.js';
import type { Process } from './address-space.js';

/** One PTE mapping a page. */
export interface RmapHit {
  readonly proc: Process;
  readonly vpn: number;
  readonly pte: number;
}

/**
 * Returns every PTE (present, devmap or device-private) whose pfn is `pfn`,
 * in pid then vpn order. Anonymous pages are searched in anon / private
 * VMAs, cached pages in the VMAs of their mapping. Caller holds the page lock.
 */
export function rmapWalk(core: MmCore, pfn: number): RmapHit[] {
  const hits: RmapHit[] = [];
  const mapping = core.frames.mapping(pfn);
  const pt = core.pageTables;
  for (const proc of core.processes.values()) {
    for (const v of proc.vmas) {
      if (mapping !== 0 ? v.cache?.id !== mapping : v.kind !== 'anon' && v.kind !== 'file-private') continue;
      pt.forEachPresent(proc.root, v.start, v.end, (vpn, pte) => {
        const k = pteKind(pt.readBits(pte));
        if ((k === PteKind.PRESENT || k === PteKind.DEVMAP || k === PteKind.DEVICE_PRIVATE) && pt.readPfn(pte) === pfn) hits.push({ proc, vpn, pte });
      });
    }
  }
  return hits;
}
