import { OwnershipViolation, memNodeId } from '@cdmsim/engine';
import { describe, expect, it } from 'vitest';
import { runWorkers } from '../test-workers/spawn.js';
import { Barrier } from './barrier.js';
import { FrameTable } from './frame-table.js';
import { DEVICE_IDLE_REFCOUNT, FRAME_CHUNK_BYTES, FRAME_CHUNK_FRAMES, MEMCG_ID_MAX, PG, PageType } from './layout.js';
import { DeterministicModeLock } from './locks.js';
import { layoutMemories } from './memory-map.js';

const GiB = 2 ** 30;
const framesOf = (bytes: number): number => bytes / 4096;

/** The target machine: 2 x 1 TiB DRAM + 8 GPUs x 80 GiB device memory. */
function bigMachine() {
  return layoutMemories([
    { memNode: memNodeId(0), type: PageType.SYSTEM_RAM, frameCount: framesOf(1024 * GiB) },
    { memNode: memNodeId(1), type: PageType.SYSTEM_RAM, frameCount: framesOf(1024 * GiB) },
    ...Array.from({ length: 8 }, (_, i) => ({ memNode: memNodeId(2 + i), type: i % 2 ? PageType.DEVICE_PRIVATE : PageType.DEVICE_PUBLIC, frameCount: framesOf(80 * GiB) })),
  ]);
}

function smallMachine() {
  return layoutMemories([
    { memNode: memNodeId(0), type: PageType.SYSTEM_RAM, frameCount: 10_000 },
    { memNode: memNodeId(1), type: PageType.DEVICE_PRIVATE, frameCount: 5_000 },
    { memNode: memNodeId(2), type: PageType.DEVICE_PUBLIC, frameCount: 5_000 },
    { memNode: memNodeId(3), type: PageType.DEVICE_HOST, frameCount: 100 },
  ]);
}

describe('layoutMemories', () => {
  it('assigns consecutive chunk-aligned PFN ranges', () => {
    const m = smallMachine();
    expect(m.map((x) => x.firstPfn)).toEqual([0, 3 * FRAME_CHUNK_FRAMES, 5 * FRAME_CHUNK_FRAMES, 7 * FRAME_CHUNK_FRAMES]);
    const packed = layoutMemories([{ memNode: memNodeId(0), type: PageType.SYSTEM_RAM, frameCount: 10 }, { memNode: memNodeId(1), type: PageType.SYSTEM_RAM, frameCount: 10 }], { alignFrames: 1, basePfn: 5 });
    expect(packed.map((x) => x.firstPfn)).toEqual([5, 15]);
  });

  it('rejects overlapping memories', () => {
    expect(() => new FrameTable({ memories: [
      { memNode: memNodeId(0), type: PageType.SYSTEM_RAM, firstPfn: 0, frameCount: 10 },
      { memNode: memNodeId(1), type: PageType.SYSTEM_RAM, firstPfn: 5, frameCount: 10 },
    ] })).toThrow(/overlaps/);
  });
});

describe('FrameTable lazy chunk allocation', () => {
  it('creates a 700 M-frame table in milliseconds and a few MB, allocating nothing until written', () => {
    const memories = bigMachine();
    const t0 = performance.now();
    const ft = new FrameTable({ memories });
    const ms = performance.now() - t0;
    expect(ft.totalFrames).toBeGreaterThan(700_000_000);
    expect(ms).toBeLessThan(200); // typically ~1 ms; generous for a loaded CI machine
    expect(ft.hostBytes()).toBeLessThan(1_000_000);
    expect(ft.touchedChunks()).toBe(0);

    // Reads of untouched frames allocate nothing.
    const gpuPfn = memories[5]!.firstPfn + 12345;
    expect(ft.refcount(gpuPfn)).toBe(1);
    expect(ft.flags(700_000_000)).toBe(ft.flags(700_000_000));
    expect(ft.touchedChunks()).toBe(0);
    const before = ft.hostBytes();

    ft.refInc(gpuPfn); // first write: one chunk
    expect(ft.touchedChunks()).toBe(1);
    expect(ft.hostBytes() - before).toBe(FRAME_CHUNK_BYTES);
    ft.setMapping(gpuPfn + 1, 42); // same chunk: nothing new
    expect(ft.touchedChunks()).toBe(1);
    ft.setMapping(memories[1]!.firstPfn + 999_999, 1); // another chunk far away
    expect(ft.touchedChunks()).toBe(2);
    expect(ft.hostBytes() - before).toBe(2 * FRAME_CHUNK_BYTES);
  });
});

describe('FrameTable initial states', () => {
  it('system RAM starts free, device frames idle at refcount 1 and PG_reserved, in absent and fresh chunks alike', () => {
    const memories = smallMachine();
    const ft = new FrameTable({ memories });
    const [ram, priv, pub, host] = memories as [typeof memories[0], typeof memories[0], typeof memories[0], typeof memories[0]];
    const check = () => {
      expect(ft.record(ram.firstPfn + 5)).toMatchObject({ refcount: 0, mapcount: 0, flags: 0, type: PageType.SYSTEM_RAM, memNode: 0, memcg: 0, mapping: 0, contentSlot: 0 });
      for (const m of [priv, pub, host]) {
        expect(ft.record(m.firstPfn + 7)).toMatchObject({ refcount: DEVICE_IDLE_REFCOUNT, mapcount: 0, flags: PG.RESERVED, type: m.type, memNode: m.memNode });
      }
    };
    check(); // absent chunks
    for (const m of memories) ft.setIndex(m.firstPfn + 6, 1); // materialise every chunk holding a checked frame
    expect(ft.touchedChunks()).toBe(4);
    check(); // initialised chunks
    expect(ft.pageType(host.firstPfn + 99)).toBe(PageType.DEVICE_HOST);
    expect(ft.memoryOf(pub.firstPfn)).toEqual(pub);
    expect(ft.memoryOf(ram.firstPfn + ram.frameCount)).toBeUndefined();
  });

  it('throws for a PFN in no memory', () => {
    const ft = new FrameTable({ memories: smallMachine() });
    expect(() => ft.refcount(10_500)).toThrow(/not in any memory/);
    expect(() => ft.refInc(10_500)).toThrow(/not in any memory/);
  });
});

describe('FrameTable fields', () => {
  it('round-trips every field and keeps memcg apart from node and type', () => {
    const memories = smallMachine();
    const ft = new FrameTable({ memories });
    const pfn = memories[1]!.firstPfn + 3;
    ft.setFlags(pfn, PG.LRU | PG.ANON);
    expect(ft.testAndSetFlag(pfn, PG.DIRTY)).toBe(false);
    expect(ft.testAndSetFlag(pfn, PG.DIRTY)).toBe(true);
    expect(ft.clearFlag(pfn, PG.LRU)).toBe(true);
    expect(ft.clearFlag(pfn, PG.LRU)).toBe(false);
    ft.setFlag(pfn, PG.ACTIVE);
    expect(ft.flags(pfn)).toBe(PG.ANON | PG.DIRTY | PG.ACTIVE);
    expect(ft.testFlag(pfn, PG.ANON | PG.ACTIVE)).toBe(true);
    expect(ft.refInc(pfn)).toBe(2);
    expect(ft.refDec(pfn)).toBe(1);
    expect(ft.refIncUnless(pfn, 0)).toBe(true);
    ft.setRefcount(pfn, 0);
    expect(ft.refIncUnless(pfn, 0)).toBe(false);
    expect(ft.mapInc(pfn)).toBe(1);
    expect(ft.mapDec(pfn)).toBe(0);
    ft.setMemcg(pfn, MEMCG_ID_MAX);
    expect(ft.memcg(pfn)).toBe(MEMCG_ID_MAX);
    expect(ft.memNode(pfn)).toBe(1);
    expect(ft.pageType(pfn)).toBe(PageType.DEVICE_PRIVATE);
    ft.setMemcg(pfn, 3);
    expect(ft.memcg(pfn)).toBe(3);
    expect(() => ft.setMemcg(pfn, MEMCG_ID_MAX + 1)).toThrow(/memcg/);
    ft.setMapping(pfn, 0x7fffffff);
    ft.setIndex(pfn, 123456789);
    ft.setContentSlot(pfn, 77);
    expect([ft.mapping(pfn), ft.index(pfn), ft.contentSlot(pfn)]).toEqual([0x7fffffff, 123456789, 77]);
    // neighbours untouched
    expect(ft.record(pfn + 1)).toMatchObject({ refcount: 1, flags: PG.RESERVED, mapping: 0, memcg: 0 });
  });

  it('page lock mirrors PG_LOCKED and a deterministic lock throws on a second locker', () => {
    const memories = smallMachine();
    const ft = new FrameTable({ memories, lock: new DeterministicModeLock({ owner: 1, name: 'page lock' }) });
    const other = FrameTable.attach(ft.handle(), { lock: new DeterministicModeLock({ owner: 2, name: 'page lock' }) });
    ft.lockPage(10);
    expect(ft.isPageLocked(10)).toBe(true);
    expect(ft.testFlag(10, PG.LOCKED)).toBe(true);
    ft.setFlags(10, PG.UPTODATE); // keeps the LOCKED mirror
    expect(ft.flags(10)).toBe(PG.UPTODATE | PG.LOCKED);
    expect(ft.trylockPage(10)).toBe(false); // self: deterministic "no"
    expect(() => other.lockPage(10)).toThrow(OwnershipViolation);
    expect(() => other.lockPage(10)).toThrow(/pfn 10/);
    ft.unlockPage(10);
    expect(ft.isPageLocked(10)).toBe(false);
    expect(ft.testFlag(10, PG.LOCKED)).toBe(false);
    expect(other.trylockPage(10)).toBe(true);
    other.unlockPage(10);
  });
});

describe('FrameTable across real workers', () => {
  it('atomic refInc/refDec from 2 workers give the exact total', async () => {
    const memories = smallMachine();
    const ft = new FrameTable({ memories });
    const barrier = new Barrier(2);
    const pfn = memories[2]!.firstPfn + 1; // device page, starts at 1; its chunk is created by the racing workers
    const n = 100_000;
    await runWorkers('refcount.mjs', 2, () => ({ frames: ft.handle(), barrier: barrier.handle(), pfn, n }));
    expect(ft.refcount(pfn)).toBe(1 + 2 * n);
    expect(ft.mapcount(pfn)).toBe(2 * n - n);
    expect(ft.touchedChunks()).toBe(1);
  });

  it('page lock (FreeModeLock) excludes 2 workers: a non-atomic counter ends exact', async () => {
    const ft = new FrameTable({ memories: smallMachine() });
    const barrier = new Barrier(2);
    const n = 50_000;
    await runWorkers('page-lock.mjs', 2, () => ({ frames: ft.handle(), barrier: barrier.handle(), pfn: 17, n }));
    expect(ft.index(17)).toBe(2 * n);
    expect(ft.isPageLocked(17)).toBe(false);
  });
});
