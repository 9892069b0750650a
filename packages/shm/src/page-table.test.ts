import { OwnershipViolation, memNodeId } from '@cdmsim/engine';
import { describe, expect, it } from 'vitest';
import { runWorkers } from '../test-workers/spawn.js';
import { Barrier } from './barrier.js';
import { FrameTable } from './frame-table.js';
import { PageType, PT_PAGE_BYTES, PTE_DIRTY, PTE_ENTRY_WRITE, PTE_WRITE, PteKind, VPN_LIMIT } from './layout.js';
import { DeterministicModeLock } from './locks.js';
import { layoutMemories } from './memory-map.js';
import { PageTables, type PteSnapshot } from './page-table.js';
import { encodePteBits } from './pte.js';

describe('PageTables', () => {
  it('lookup never allocates; ensure allocates the three missing levels once', () => {
    const pt = new PageTables();
    const root = pt.createRoot();
    expect(pt.tableCount()).toBe(1);
    expect(pt.lookup(root, 12345)).toBe(-1);
    expect(pt.tableCount()).toBe(1);
    const pte = pt.ensure(root, 12345);
    expect(pt.tableCount()).toBe(4);
    expect(pt.lookup(root, 12345)).toBe(pte);
    expect(pt.ensure(root, 12345)).toBe(pte);
    expect(pt.ensure(root, 12346)).toBe(pte + 1); // same leaf table
    expect(pt.tableCount()).toBe(4);
    pt.ensure(root, 12345 + 512); // next leaf table under the same level-1 table
    expect(pt.tableCount()).toBe(5);
    expect(pt.hostBytes()).toBeLessThan(5 * PT_PAGE_BYTES + 1024);
  });

  it('handles the whole 36-bit VPN range and rejects outside it', () => {
    const pt = new PageTables();
    const root = pt.createRoot();
    const top = VPN_LIMIT - 1;
    const a = pt.ensure(root, top);
    const b = pt.ensure(root, 0);
    expect(a).not.toBe(b);
    pt.lockPte(a);
    pt.write(a, 0xfffffffe, PteKind.PRESENT);
    pt.unlockPte(a);
    expect(pt.readPfn(pt.lookup(root, top))).toBe(0xfffffffe);
    expect(pt.readBits(b)).toBe(PteKind.NONE);
    expect(() => pt.lookup(root, VPN_LIMIT)).toThrow(/vpn/);
    expect(() => pt.ensure(root, -1)).toThrow(/vpn/);
    expect(() => pt.ensure(pt.tableCount() - 1, 5)).toThrow(/not a root/);
  });

  it('writes, reads, snapshots and clears entries of every kind', () => {
    const pt = new PageTables();
    const root = pt.createRoot();
    const kinds = [
      encodePteBits({ kind: PteKind.PRESENT, write: true, dirty: true, young: true }),
      encodePteBits({ kind: PteKind.DEVMAP, write: true }),
      encodePteBits({ kind: PteKind.DEVICE_PRIVATE, entryWrite: true }),
      encodePteBits({ kind: PteKind.MIGRATION }),
      encodePteBits({ kind: PteKind.ZERO, special: true }),
    ];
    const snap: PteSnapshot = { pfn: -1, bits: -1 };
    kinds.forEach((bits, i) => {
      const pte = pt.ensure(root, 1000 + i);
      pt.lockPte(pte);
      pt.write(pte, 500 + i, bits);
      pt.unlockPte(pte);
      expect(pt.readPfn(pte)).toBe(500 + i);
      expect(pt.readBits(pte)).toBe(bits);
      expect(pt.snapshot(pte, snap)).toEqual({ pfn: 500 + i, bits });
    });
    expect(() => pt.write(pt.ensure(root, 1), 1, PteKind.DEVICE_PRIVATE | PTE_WRITE)).toThrow(/invalid PTE bits/);
    const pte = pt.lookup(root, 1002);
    expect(pt.readKind(pte)).toBe(PteKind.DEVICE_PRIVATE);
    expect(pt.readBits(pte) & PTE_ENTRY_WRITE).toBe(PTE_ENTRY_WRITE);
    pt.lockPte(pte);
    pt.clear(pte);
    pt.unlockPte(pte);
    expect(pt.readKind(pte)).toBe(PteKind.NONE);
    expect(pt.lookup(root, 1002)).toBe(pte); // the table stays
  });

  it('forEachPresent visits non-none entries in range, in order, skipping absent subtrees', () => {
    const pt = new PageTables();
    const root = pt.createRoot();
    const vpns = [0, 511, 512, 70_000, 2 ** 27 - 1, 2 ** 27, 2 ** 35 + 3, VPN_LIMIT - 1];
    for (const v of vpns) {
      const pte = pt.ensure(root, v);
      pt.lockPte(pte);
      pt.write(pte, v % 1000, PteKind.PRESENT | PTE_DIRTY);
      pt.unlockPte(pte);
    }
    pt.ensure(root, 9999); // allocated but NONE: not visited
    const seen: number[] = [];
    pt.forEachPresent(root, 0, VPN_LIMIT, (vpn, pte) => {
      seen.push(vpn);
      expect(pt.readPfn(pte)).toBe(vpn % 1000);
    });
    expect(seen).toEqual(vpns);
    const some: number[] = [];
    pt.forEachPresent(root, 511, 2 ** 27 + 1, (vpn) => some.push(vpn));
    expect(some).toEqual([511, 512, 70_000, 2 ** 27 - 1, 2 ** 27]);
    const none: number[] = [];
    pt.forEachPresent(root, 1, 511, (vpn) => none.push(vpn));
    expect(none).toEqual([]);
  });

  it('only touched tables take host memory: 1 M pages mapped contiguously need ~2k tables', () => {
    const pt = new PageTables();
    const root = pt.createRoot();
    for (let v = 0; v < 1 << 20; v++) pt.ensure(root, (1 << 30) + v);
    expect(pt.tableCount()).toBe(1 + 1 + 4 + 2048);
    expect(pt.hostBytes()).toBeLessThan(2100 * PT_PAGE_BYTES);
  });

  it('the PTE lock of a table is shared by its 512 entries; deterministic mode throws on contention', () => {
    const pt = new PageTables({ lock: new DeterministicModeLock({ owner: 1, name: 'pte lock' }) });
    const other = PageTables.attach(pt.handle(), { lock: new DeterministicModeLock({ owner: 2, name: 'pte lock' }) });
    const root = pt.createRoot();
    const a = pt.ensure(root, 10);
    const b = pt.ensure(root, 11);
    expect(pt.lockOf(a)).toBe(pt.lockOf(b));
    pt.lockPte(a);
    expect(() => other.lockPte(b)).toThrow(OwnershipViolation);
    expect(other.tryLockPte(pt.ensure(root, 10 + 512))).toBe(true); // other table, other lock
    pt.unlockPte(a);
  });
});

describe('PageTables and FrameTable across real workers', () => {
  it('2 workers racing ensure() on the same levels and frame chunks end with one of each', async () => {
    const memories = layoutMemories([{ memNode: memNodeId(0), type: PageType.SYSTEM_RAM, frameCount: 200 * 4096 }]);
    const frames = new FrameTable({ memories });
    const tables = new PageTables();
    const root = tables.createRoot();
    const rounds = 200;
    // Each round: a fresh frame chunk and a fresh path of 3 page-table levels.
    const pfns = Array.from({ length: rounds }, (_, i) => i * 4096 + 17);
    const vpns = Array.from({ length: rounds }, (_, i) => i * 2 ** 27 + 5);
    const barrier = new Barrier(2);
    const results = await runWorkers<{ ptes: number[] }>('ensure.mjs', 2, () => ({
      frames: frames.handle(),
      tables: tables.handle(),
      barrier: barrier.handle(),
      root,
      pfns,
      vpns,
    }));
    expect(results[0]!.ptes).toEqual(results[1]!.ptes);
    expect(tables.tableCount()).toBe(1 + 3 * rounds);
    expect(frames.touchedChunks()).toBe(rounds);
    for (let i = 0; i < rounds; i++) {
      expect(frames.refcount(pfns[i]!)).toBe(2);
      expect(tables.lookup(root, vpns[i]!)).toBe(results[0]!.ptes[i]);
    }
  });
});

