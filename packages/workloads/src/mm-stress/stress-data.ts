/**
 * The expected data of the mm-stress processes and how the checker reads
 * it back without disturbing the simulation: `peekByte` resolves a virtual
 * address through the page table the way the hardware would (present,
 * devmap or zero-page PTE; a device-private entry's page) and reads the
 * shared contents directly — no fault, no migration, no bus message.
 */
import { PteKind, pteKind } from '@cdmsim/shm';
import type { MmCore, Process } from '@cdmsim/mm';
import type { StressArea } from '@cdmsim/mm/testing';

const one = new Uint8Array(1);

/**
 * Returns the first word of frame `pfn` as this CPU's cache holds it, or
 * undefined when its cache holds no valid data for it (memory is then
 * current for this CPU).
 */
export type CachedFirstWord = (pfn: number) => number | undefined;

/**
 * Returns the first byte of page `vpn` of `proc` as the CPU would read it
 * (through its cache when `cached` is given), or a string saying why it
 * cannot be read at a quiescent point (a migration entry). Caller owns
 * `proc` (its CPU node's worker).
 */
export function peekByte(core: MmCore, proc: Process, vpn: number, cached?: CachedFirstWord): number | string {
  const pt = core.pageTables;
  const pte = pt.lookup(proc.root, vpn);
  if (pte < 0) return 0;
  const bits = pt.readBits(pte);
  switch (pteKind(bits)) {
    case PteKind.NONE:
    case PteKind.ZERO:
      return 0;
    case PteKind.MIGRATION:
      return `a migration entry at a quiescent point (pfn ${pt.readPfn(pte)})`;
    default: {
      const pfn = pt.readPfn(pte);
      const word = cached?.(pfn);
      if (word !== undefined) return word & 0xff;
      core.content.read(pfn, 0, one);
      return one[0]!;
    }
  }
}

/**
 * Checks every known byte of every area of every process (read through the
 * CPU's cache when `cached` is given); returns the first mismatch as a
 * message, or null when all match.
 */
export function checkStressData(core: MmCore, areas: ReadonlyMap<Process, StressArea[]>, cached?: CachedFirstWord): string | null {
  for (const [proc, list] of areas) {
    for (const a of list) {
      for (const [vpn, expected] of a.data) {
        const got = peekByte(core, proc, vpn, cached);
        if (typeof got === 'string') return `pid ${proc.pid} vpn ${vpn}: ${got}`;
        if (got !== expected) return `pid ${proc.pid} vpn ${vpn} reads ${got}, expected ${expected} (last written)`;
      }
    }
  }
  return null;
}
