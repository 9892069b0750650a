import { describe, expect, it } from 'vitest';
import { CacheArray } from './cache-array.js';

describe('CacheArray', () => {
  it('evicts the least recently used evictable line of the set', () => {
    const a = new CacheArray<string>({ sizeBytes: 2 * 2 * 64, ways: 2, lineBytes: 64 });
    expect(a.sets).toBe(2);
    a.insert(0, 'x');
    a.insert(128, 'y');
    expect(a.hasRoom(256)).toBe(false);
    expect(a.hasRoom(64)).toBe(true);
    a.touch(0);
    expect(a.victim(256, () => true)).toBe(128);
    expect(a.victim(256, (r) => r !== 'y')).toBe(0);
    expect(a.victim(256, () => false)).toBeUndefined();
    a.remove(128);
    expect(a.hasRoom(256)).toBe(true);
  });

  it('rejects a size that is not a multiple of ways × line', () => {
    expect(() => new CacheArray({ sizeBytes: 100, ways: 2, lineBytes: 64 })).toThrow(/multiple/);
  });
});
