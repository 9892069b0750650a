/**
 * Encoding of the PTE bits word (kind + flags) and a decoded form for code
 * and tests. Which flags a kind may carry follows the kernel: hardware bits
 * (write, dirty, young) exist only on present entries; swap-type entries
 * (device-private, migration) carry their own write bit in the entry type.
 */
import { CdmsimError } from '@cdmsim/engine';
import {
  PTE_DIRTY,
  PTE_ENTRY_WRITE,
  PTE_FLAG_MASK,
  PTE_KIND_MASK,
  PTE_SOFT_DIRTY,
  PTE_SPECIAL,
  PTE_WRITE,
  PTE_YOUNG,
  PteKind,
} from './layout.js';

/** Decoded PTE bits: kind plus named flags (all default false). */
export interface PteFields {
  readonly kind: PteKind;
  /** Hardware write permission (PRESENT, DEVMAP). */
  readonly write?: boolean;
  readonly dirty?: boolean;
  readonly young?: boolean;
  readonly softDirty?: boolean;
  readonly special?: boolean;
  /** Write swap entry (DEVICE_PRIVATE, MIGRATION, DEVICE_EXCLUSIVE). */
  readonly entryWrite?: boolean;
}

/** Flags each kind may carry. */
const ALLOWED_FLAGS: Readonly<Record<PteKind, number>> = {
  [PteKind.NONE]: 0,
  [PteKind.PRESENT]: PTE_WRITE | PTE_DIRTY | PTE_YOUNG | PTE_SOFT_DIRTY | PTE_SPECIAL,
  [PteKind.DEVMAP]: PTE_WRITE | PTE_DIRTY | PTE_YOUNG | PTE_SOFT_DIRTY | PTE_SPECIAL,
  [PteKind.DEVICE_PRIVATE]: PTE_ENTRY_WRITE | PTE_SOFT_DIRTY,
  [PteKind.MIGRATION]: PTE_ENTRY_WRITE | PTE_SOFT_DIRTY,
  [PteKind.ZERO]: PTE_YOUNG | PTE_SOFT_DIRTY | PTE_SPECIAL,
  [PteKind.DEVICE_EXCLUSIVE]: PTE_ENTRY_WRITE | PTE_SOFT_DIRTY,
};

/** Returns the kind of a PTE bits word. */
export function pteKind(bits: number): PteKind {
  return (bits & PTE_KIND_MASK) as PteKind;
}

/** Returns whether the CPU can access the page through this entry (PRESENT, DEVMAP, ZERO: `pte_present`). */
export function ptePresent(bits: number): boolean {
  const k = bits & PTE_KIND_MASK;
  return k === PteKind.PRESENT || k === PteKind.DEVMAP || k === PteKind.ZERO;
}

/**
 * Returns whether the CPU may access the page through this entry without a
 * fault: `pte_present`, and for a write also `pte_write`. A ZERO entry never
 * carries PTE_WRITE (`PageTables.write` accepts only valid encodings), so a
 * write through it is refused (`do_wp_page`). Callers read `bits` under the
 * PTE lock or re-check it there before acting on the answer.
 */
export function pteAccessPermitted(bits: number, write: boolean): boolean {
  return ptePresent(bits) && (!write || (bits & PTE_WRITE) !== 0);
}

/**
 * Returns whether `bits` is a valid encoding (known kind, only the flags that
 * kind may carry).
 */
export function isValidPteBits(bits: number): boolean {
  const kind = bits & PTE_KIND_MASK;
  const allowed = ALLOWED_FLAGS[kind as PteKind];
  if (allowed === undefined) return false;
  return (bits & ~(PTE_KIND_MASK | allowed)) === 0;
}

/** Encodes `fields` into a PTE bits word; throws if a flag is not allowed for the kind. */
export function encodePteBits(fields: PteFields): number {
  const bits =
    fields.kind |
    (fields.write ? PTE_WRITE : 0) |
    (fields.dirty ? PTE_DIRTY : 0) |
    (fields.young ? PTE_YOUNG : 0) |
    (fields.softDirty ? PTE_SOFT_DIRTY : 0) |
    (fields.special ? PTE_SPECIAL : 0) |
    (fields.entryWrite ? PTE_ENTRY_WRITE : 0);
  if (!isValidPteBits(bits)) {
    throw new CdmsimError(`PTE kind ${PteKind[fields.kind] ?? String(fields.kind)} cannot carry flags ${describePteBits(bits & PTE_FLAG_MASK)}`);
  }
  return bits;
}

/** Decodes a PTE bits word; throws on an invalid encoding. */
export function decodePteBits(bits: number): Required<PteFields> {
  if (!isValidPteBits(bits)) throw new CdmsimError(`invalid PTE bits 0x${(bits >>> 0).toString(16)}`);
  return {
    kind: pteKind(bits),
    write: (bits & PTE_WRITE) !== 0,
    dirty: (bits & PTE_DIRTY) !== 0,
    young: (bits & PTE_YOUNG) !== 0,
    softDirty: (bits & PTE_SOFT_DIRTY) !== 0,
    special: (bits & PTE_SPECIAL) !== 0,
    entryWrite: (bits & PTE_ENTRY_WRITE) !== 0,
  };
}

/** Returns a readable form such as `DEVMAP|WRITE|DIRTY` (for errors and dumps). */
export function describePteBits(bits: number): string {
  const parts: string[] = [PteKind[pteKind(bits)] ?? `kind${bits & PTE_KIND_MASK}`];
  const names: [number, string][] = [
    [PTE_WRITE, 'WRITE'],
    [PTE_DIRTY, 'DIRTY'],
    [PTE_YOUNG, 'YOUNG'],
    [PTE_SOFT_DIRTY, 'SOFT_DIRTY'],
    [PTE_SPECIAL, 'SPECIAL'],
    [PTE_ENTRY_WRITE, 'ENTRY_WRITE'],
  ];
  for (const [bit, name] of names) if (bits & bit) parts.push(name);
  return parts.join('|');
}
