import { describe, expect, it } from 'vitest';
import { PTE_DIRTY, PTE_ENTRY_WRITE, PTE_WRITE, PteKind } from './layout.js';
import { decodePteBits, describePteBits, encodePteBits, isValidPteBits, ptePresent, type PteFields } from './pte.js';

const FLAGS = ['write', 'dirty', 'young', 'softDirty', 'special', 'entryWrite'] as const;
const ALLOWED: Record<PteKind, readonly (typeof FLAGS)[number][]> = {
  [PteKind.NONE]: [],
  [PteKind.PRESENT]: ['write', 'dirty', 'young', 'softDirty', 'special'],
  [PteKind.DEVMAP]: ['write', 'dirty', 'young', 'softDirty', 'special'],
  [PteKind.DEVICE_PRIVATE]: ['entryWrite', 'softDirty'],
  [PteKind.MIGRATION]: ['entryWrite', 'softDirty'],
  [PteKind.ZERO]: ['young', 'softDirty', 'special'],
  [PteKind.DEVICE_EXCLUSIVE]: ['entryWrite', 'softDirty'],
};
const KINDS = [PteKind.NONE, PteKind.PRESENT, PteKind.DEVMAP, PteKind.DEVICE_PRIVATE, PteKind.MIGRATION, PteKind.ZERO, PteKind.DEVICE_EXCLUSIVE];

describe('PTE bits encoding', () => {
  it('round-trips every kind with every allowed flag combination', () => {
    for (const kind of KINDS) {
      const allowed = ALLOWED[kind];
      for (let mask = 0; mask < 1 << allowed.length; mask++) {
        const fields: Record<string, unknown> = { kind };
        allowed.forEach((f, i) => (fields[f] = (mask >> i) & 1 ? true : false));
        const bits = encodePteBits(fields as unknown as PteFields);
        const back = decodePteBits(bits);
        expect(back.kind).toBe(kind);
        for (const f of FLAGS) expect(back[f]).toBe(fields[f] === true);
        expect(encodePteBits(back)).toBe(bits);
      }
    }
  });

  it('rejects flags a kind cannot carry', () => {
    expect(() => encodePteBits({ kind: PteKind.DEVICE_PRIVATE, write: true })).toThrow(/DEVICE_PRIVATE cannot carry flags .*WRITE/);
    expect(() => encodePteBits({ kind: PteKind.PRESENT, entryWrite: true })).toThrow(/ENTRY_WRITE/);
    expect(() => encodePteBits({ kind: PteKind.ZERO, write: true })).toThrow();
    expect(() => encodePteBits({ kind: PteKind.NONE, dirty: true })).toThrow();
    expect(isValidPteBits(7)).toBe(false);
    expect(() => decodePteBits(PteKind.MIGRATION | PTE_DIRTY)).toThrow(/invalid/);
  });

  it('present-ness and names follow the kind', () => {
    expect(KINDS.filter((k) => ptePresent(k))).toEqual([PteKind.PRESENT, PteKind.DEVMAP, PteKind.ZERO]);
    expect(describePteBits(PteKind.DEVMAP | PTE_WRITE | PTE_DIRTY)).toBe('DEVMAP|WRITE|DIRTY');
    expect(describePteBits(PteKind.DEVICE_PRIVATE | PTE_ENTRY_WRITE)).toBe('DEVICE_PRIVATE|ENTRY_WRITE');
  });
});
