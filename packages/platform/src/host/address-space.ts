/**
 * A process's address space: its VMAs and its page table in shared memory.
 * Owned by the process's CPU node; every change to an entry happens under
 * that entry's PTE lock (the split PTE lock of its page-table page).
 *
 * Issue 2 needs anonymous private mappings, the anonymous first-touch fault
 * and teardown at exit; the full VMA/PTE zoo of the HMM patches builds on
 * these primitives.
 */
import { PteKind, PTE_WRITE, PTE_DIRTY, PTE_YOUNG, PG, pteKind, type PageTables, type FrameTable } from '@cdmsim/shm';

/** A virtual memory area. */
export interface Vma {
  readonly start: number;
  readonly end: number;
  readonly writable: boolean;
  readonly kind: 'anon';
}

/** Outcome of a fault: the pfn now mapped, or why none could be. */
export type FaultResult = { ok: true; pfn: number; allocated: boolean } | { ok: false; error: 'EFAULT' | 'ENOMEM' };

/** One process's address space. */
export class AddressSpace {
  readonly pid: number;
  readonly root: number;
  readonly vmas: Vma[] = [];
  readonly #pt: PageTables;
  readonly #frames: FrameTable;
  readonly #pageSize: number;
  #nextVaddr: number;

  constructor(pid: number, pt: PageTables, frames: FrameTable, pageSizeBytes: number, mmapBase: number) {
    this.pid = pid;
    this.#pt = pt;
    this.#frames = frames;
    this.#pageSize = pageSizeBytes;
    this.#nextVaddr = mmapBase;
    this.root = pt.createRoot();
  }

  /** Maps `bytes` of anonymous private memory; returns its start address (page aligned). */
  mmapAnon(bytes: number, writable = true): number {
    const start = this.#nextVaddr;
    const end = start + Math.ceil(bytes / this.#pageSize) * this.#pageSize;
    this.vmas.push({ start, end, writable, kind: 'anon' });
    this.#nextVaddr = end + this.#pageSize; // a guard page between mappings
    return start;
  }

  /** Returns the VMA containing `vaddr`, if any (`find_vma`). */
  findVma(vaddr: number): Vma | undefined {
    return this.vmas.find((v) => vaddr >= v.start && vaddr < v.end);
  }

  /** Returns the pfn mapped at `vpn` by a present entry, or undefined. */
  presentPfn(vpn: number): number | undefined {
    const pte = this.#pt.lookup(this.root, vpn);
    if (pte < 0) return undefined;
    const bits = this.#pt.readBits(pte);
    const kind = pteKind(bits);
    return kind === PteKind.PRESENT || kind === PteKind.DEVMAP ? this.#pt.readPfn(pte) : undefined;
  }

  /**
   * The anonymous first-touch fault (`do_anonymous_page`): if `vpn` has no
   * entry, takes a frame from `alloc`, initialises its struct page (anon,
   * swap-backed, on the LRU, refcount 1, mapcount 1) and installs a present
   * writable entry. Returns the mapped pfn.
   */
  faultAnon(vpn: number, alloc: () => number | undefined): FaultResult {
    const vma = this.findVma(vpn * this.#pageSize);
    if (!vma) return { ok: false, error: 'EFAULT' };
    const pte = this.#pt.ensure(this.root, vpn);
    this.#pt.lockPte(pte);
    try {
      const bits = this.#pt.readBits(pte);
      if (pteKind(bits) !== PteKind.NONE) return { ok: true, pfn: this.#pt.readPfn(pte), allocated: false };
      const pfn = alloc();
      if (pfn === undefined) return { ok: false, error: 'ENOMEM' };
      const f = this.#frames;
      f.setFlags(pfn, PG.ANON | PG.SWAPBACKED | PG.LRU | PG.UPTODATE | PG.DIRTY);
      f.refInc(pfn);
      f.mapInc(pfn);
      f.setMapping(pfn, this.pid);
      f.setIndex(pfn, vpn);
      this.#pt.write(pte, pfn, PteKind.PRESENT | PTE_YOUNG | PTE_DIRTY | (vma.writable ? PTE_WRITE : 0));
      return { ok: true, pfn, allocated: true };
    } finally {
      this.#pt.unlockPte(pte);
    }
  }

  /**
   * Tears the whole address space down (`exit_mmap` → `zap_pte_range`):
   * clears every present entry, drops its mapcount and reference, and calls
   * `release(pfn)` for each frame whose last reference went. Returns the
   * number of entries cleared.
   */
  teardown(release: (pfn: number) => void): number {
    let cleared = 0;
    for (const vma of this.vmas) {
      const first = vma.start / this.#pageSize;
      const end = vma.end / this.#pageSize;
      this.#pt.forEachPresent(this.root, first, end, (_vpn, pte) => {
        this.#pt.lockPte(pte);
        try {
          const pfn = this.#pt.readPfn(pte);
          this.#pt.write(pte, 0, PteKind.NONE);
          this.#frames.mapDec(pfn);
          if (this.#frames.refDec(pfn) === 0) release(pfn);
          cleared++;
        } finally {
          this.#pt.unlockPte(pte);
        }
      });
    }
    this.vmas.length = 0;
    return cleared;
  }
}
