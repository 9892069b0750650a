/**
 * A device's mirror page tables: one per process the device mirrors, in
 * the run's shared `mirrorTables` (so tests and tools in other threads can
 * read a mirror), each written only by its device. An entry maps a
 * process's virtual page to the pfn its range fault reported, present or
 * devmap (device-public memory), writable or not — the same PTE encoding as
 * the CPU's page tables, whose SPECIAL bit here is the atomic tag of a page
 * the device holds exclusively (`DPT_XA_TAG_ATOMIC`). Missing = the device
 * faults before accessing.
 */
import type { Pid } from '@cdmsim/engine';
import { encodePteBits, PTE_SPECIAL, PTE_WRITE, PteKind, pteKind, type PageTables } from '@cdmsim/shm';

/** One mirrored translation. */
export interface MirrorEntry {
  readonly pfn: number;
  readonly write: boolean;
  /** The device holds the page exclusively (device-exclusive access) until the CPU touches it. */
  readonly atomic: boolean;
}

/** The mirrors of one device. */
export class MirrorTable {
  readonly #tables: PageTables;
  /** Root of each mirrored process's table. */
  readonly #roots = new Map<Pid, number>();
  #entries = 0;

  /** Mirrors live in `tables` (the run's shared mirror tables); only this device writes its roots. */
  constructor(tables: PageTables) {
    this.#tables = tables;
  }

  /** Valid entries across every mirrored process. */
  get entries(): number {
    return this.#entries;
  }

  /** Sets the entry of `vpn` of `pid` (a range fault reported it valid). `devmap`: the page is device-public memory; `atomic`: held exclusively (`make_device_exclusive`). */
  set(pid: Pid, vpn: number, pfn: number, write: boolean, devmap: boolean, atomic = false): void {
    const pt = this.#tables;
    const pte = pt.ensure(this.#root(pid), vpn);
    pt.lockPte(pte);
    try {
      if (pteKind(pt.readBits(pte)) === PteKind.NONE) this.#entries++;
      pt.write(pte, pfn, encodePteBits({ kind: devmap ? PteKind.DEVMAP : PteKind.PRESENT, write, young: true, special: atomic }));
    } finally {
      pt.unlockPte(pte);
    }
  }

  /** Returns the entry of `vpn` of `pid`, or undefined when the mirror has none. */
  lookup(pid: Pid, vpn: number): MirrorEntry | undefined {
    const root = this.#roots.get(pid);
    if (root === undefined) return undefined;
    const pt = this.#tables;
    const pte = pt.lookup(root, vpn);
    if (pte < 0) return undefined;
    const bits = pt.readBits(pte);
    if (pteKind(bits) === PteKind.NONE) return undefined;
    return { pfn: pt.readPfn(pte), write: (bits & PTE_WRITE) !== 0, atomic: (bits & PTE_SPECIAL) !== 0 };
  }

  /** Clears every entry of [startVpn, endVpn) of `pid` (an mmu-notifier invalidation); returns how many were valid. */
  invalidate(pid: Pid, startVpn: number, endVpn: number): number {
    const root = this.#roots.get(pid);
    if (root === undefined) return 0;
    const pt = this.#tables;
    let cleared = 0;
    pt.forEachPresent(root, startVpn, endVpn, (_vpn, pte) => {
      pt.lockPte(pte);
      try {
        pt.clear(pte);
        cleared++;
      } finally {
        pt.unlockPte(pte);
      }
    });
    this.#entries -= cleared;
    return cleared;
  }

  #root(pid: Pid): number {
    let root = this.#roots.get(pid);
    if (root === undefined) this.#roots.set(pid, (root = this.#tables.createRoot()));
    return root;
  }
}
