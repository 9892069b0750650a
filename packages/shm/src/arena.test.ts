import { describe, expect, it } from 'vitest';
import { ArenaExhausted, ChunkArena } from './arena.js';

describe('ChunkArena', () => {
  it('hands out consecutive zeroed chunks and commits memory only for them', () => {
    const arena = new ChunkArena({ chunkBytes: 4096, maxChunks: 1_000_000 });
    expect(arena.hostBytes()).toBeLessThan(1024);
    const a = arena.allocChunk();
    const b = arena.allocChunk();
    expect([a, b]).toEqual([0, 1]);
    const v = arena.view8(b);
    const start = arena.byteOffset(b);
    expect(v.subarray(start, start + 4096).every((x) => x === 0)).toBe(true);
    expect(arena.hostBytes()).toBeLessThan(2 * 4096 + 1024);
    expect(arena.allocatedChunks()).toBe(2);
  });

  it('spreads chunks over several segments and never straddles one', () => {
    const arena = new ChunkArena({ chunkBytes: 24, maxChunks: 10, maxSegmentBytes: 100 });
    expect(arena.chunksPerSegment).toBe(4);
    const chunks = Array.from({ length: 10 }, () => arena.allocChunk());
    for (const c of chunks) {
      const v = arena.view32(c);
      v[arena.wordOffset(c)] = c + 100;
      v[arena.wordOffset(c) + 5] = c + 200;
    }
    for (const c of chunks) {
      expect(arena.view32(c)[arena.wordOffset(c)]).toBe(c + 100);
      expect(arena.view32(c)[arena.wordOffset(c) + 5]).toBe(c + 200);
      expect(arena.wordOffset(c) + 6).toBeLessThanOrEqual(arena.view32(c).length);
    }
  });

  it('throws ArenaExhausted with the arena name once full', () => {
    const arena = new ChunkArena({ chunkBytes: 8, maxChunks: 2, name: 'tiny' });
    arena.allocChunk();
    arena.allocChunk();
    expect(() => arena.allocChunk()).toThrow(ArenaExhausted);
    expect(() => arena.allocChunk()).toThrow(/tiny/);
    expect(arena.allocatedChunks()).toBe(2);
  });

  it('attach shares chunks and sees growth done through the other instance', () => {
    const arena = new ChunkArena({ chunkBytes: 64, maxChunks: 100 });
    const other = ChunkArena.attach(structuredClone(arena.handle()));
    const c0 = arena.allocChunk();
    other.view32(c0)[other.wordOffset(c0)] = 7; // other's view is created after the growth
    const c1 = arena.allocChunk(); // grows past other's cached view
    arena.view32(c1)[arena.wordOffset(c1) + 3] = 9;
    expect(other.view32(c1)[other.wordOffset(c1) + 3]).toBe(9);
    expect(arena.view32(c0)[arena.wordOffset(c0)]).toBe(7);
    expect(other.allocChunk()).toBe(2);
  });

  it('rejects invalid chunk sizes', () => {
    expect(() => new ChunkArena({ chunkBytes: 12, maxChunks: 1 })).toThrow(/multiple of 8/);
    expect(() => new ChunkArena({ chunkBytes: 8, maxChunks: 0 })).toThrow(/maxChunks/);
  });
});
