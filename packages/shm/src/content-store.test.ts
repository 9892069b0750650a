import { memNodeId } from '@cdmsim/engine';
import { describe, expect, it } from 'vitest';
import { runWorkers } from '../test-workers/spawn.js';
import { Barrier } from './barrier.js';
import { ContentStore } from './content-store.js';
import { FrameTable } from './frame-table.js';
import { PageType } from './layout.js';
import { layoutMemories } from './memory-map.js';

function setup(pageSize = 4096) {
  const memories = layoutMemories([
    { memNode: memNodeId(0), type: PageType.SYSTEM_RAM, frameCount: 1000 },
    { memNode: memNodeId(1), type: PageType.DEVICE_PUBLIC, frameCount: 1000 },
  ]);
  const frames = new FrameTable({ memories });
  return { frames, store: new ContentStore(frames, { pageSize }), gpu: memories[1]!.firstPfn };
}

const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe('ContentStore', () => {
  it('never-written pages read as zeroes and cost nothing', () => {
    const { frames, store } = setup();
    const dst = new Uint8Array(16).fill(9);
    store.read(5, 100, dst);
    expect(dst.every((x) => x === 0)).toBe(true);
    expect(store.writtenPages()).toBe(0);
    expect(store.hostBytes()).toBeLessThan(1024);
    expect(frames.touchedChunks()).toBe(0);
  });

  it('write then read returns the bytes at the right offset, rest zero', () => {
    const { frames, store, gpu } = setup();
    store.write(gpu, 4090, bytes(1, 2, 3, 4, 5, 6));
    const dst = new Uint8Array(10);
    store.read(gpu, 4086, dst);
    expect([...dst]).toEqual([0, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
    expect(store.writtenPages()).toBe(1);
    expect(frames.contentSlot(gpu)).toBe(1);
    expect(store.hostBytes()).toBeLessThan(4096 + 1024);
    expect(() => store.write(gpu, 4095, bytes(1, 2))).toThrow(/outside/);
  });

  it('copyPage copies a whole page, and copying an unwritten page zeroes the target', () => {
    const { store, gpu } = setup();
    const src = new Uint8Array(4096).map((_, i) => i & 0xff);
    store.write(3, 0, src);
    store.copyPage(3, gpu);
    const dst = new Uint8Array(4096);
    store.read(gpu, 0, dst);
    expect(dst).toEqual(src);
    store.write(3, 0, bytes(99)); // copies are independent
    store.read(gpu, 0, dst.subarray(0, 1));
    expect(dst[0]).toBe(0);
    store.copyPage(4, gpu); // 4 was never written
    expect(store.isWritten(gpu)).toBe(false);
    store.read(gpu, 0, dst);
    expect(dst.every((x) => x === 0)).toBe(true);
  });

  it('zeroPage releases the slot, and the free list reuses it (zeroed) before growing', () => {
    const { store } = setup(256);
    store.write(1, 0, new Uint8Array(256).fill(7));
    store.write(2, 0, new Uint8Array(256).fill(8));
    const grown = store.hostBytes();
    store.zeroPage(1);
    store.release(2);
    expect(store.writtenPages()).toBe(0);
    expect(store.freeSlots()).toBe(2);
    const dst = new Uint8Array(256);
    store.read(1, 0, dst);
    expect(dst.every((x) => x === 0)).toBe(true);
    store.write(10, 5, bytes(1)); // reuses slot of pfn 2 (stack order), must be zeroed first
    store.write(11, 0, bytes(2));
    expect(store.freeSlots()).toBe(0);
    expect(store.hostBytes()).toBe(grown);
    store.read(10, 0, dst);
    expect(dst[5]).toBe(1);
    expect(dst.filter((x) => x !== 0).length).toBe(1);
    store.write(12, 0, bytes(3)); // free list empty: grows
    expect(store.hostBytes()).toBe(grown + 256);
  });

  it('the free list is thread-safe: 2 workers churning pages never share a slot', async () => {
    const { frames, store } = setup(256);
    const barrier = new Barrier(2);
    const results = await runWorkers<{ corrupt: number }>('content-churn.mjs', 2, (worker) => ({
      frames: frames.handle(),
      store: store.handle(),
      barrier: barrier.handle(),
      pfns: Array.from({ length: 20 }, (_, i) => worker * 100 + i),
      rounds: 2000,
      worker,
    }));
    expect(results.map((r) => r.corrupt)).toEqual([0, 0]);
    expect(store.writtenPages()).toBe(0);
    expect(store.freeSlots()).toBeLessThanOrEqual(40);
    expect(store.freeSlots()).toBeGreaterThanOrEqual(20);
  });
});
