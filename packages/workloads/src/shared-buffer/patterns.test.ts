import { describe, expect, it } from 'vitest';
import { mix32 } from '@cdmsim/engine';
import { expectedSliceDigest, fillInitial, fillTagged, identifyChunk } from './patterns.js';

describe('shared-buffer patterns', () => {
  it('identifies the initial contents at their own offset only', () => {
    const chunk = new Uint8Array(64);
    fillInitial(chunk, 5, 128);
    expect(identifyChunk(chunk, 5, 128)).toEqual({ kind: 'initial' });
    expect(identifyChunk(chunk, 5, 192).kind).toBe('corrupt');
    expect(identifyChunk(chunk, 6, 128).kind).toBe('corrupt');
  });

  it('identifies a complete tagged write and rejects a torn one', () => {
    const chunk = new Uint8Array(64);
    fillTagged(chunk, 3, 41);
    expect(identifyChunk(chunk, 1, 0)).toEqual({ kind: 'write', device: 3, writeNo: 41 });
    chunk[40] = chunk[40]! ^ 1;
    expect(identifyChunk(chunk, 1, 0).kind).toBe('corrupt');
  });

  it('the patterns are little-endian words of mix32 (the format results hash)', () => {
    const initial = new Uint8Array(16);
    fillInitial(initial, 5, 4096);
    const tagged = new Uint8Array(16);
    fillTagged(tagged, 2, 7);
    const word = (b: Uint8Array, i: number): number => new DataView(b.buffer).getUint32(i, true);
    expect([0, 4, 8, 12].map((i) => word(initial, i))).toEqual([0, 1, 2, 3].map((w) => mix32(5 ^ 0x5eed, 1024 + w)));
    expect([0, 4, 8, 12].map((i) => word(tagged, i))).toEqual([0xc0de0002, 7, mix32((2 << 20) ^ 7, 8), mix32((2 << 20) ^ 7, 12)]);
  });

  it('a chunk with any byte changed, or with a non-zero tail, is not what was written', () => {
    const initial = new Uint8Array(64);
    fillInitial(initial, 5, 128);
    for (const at of [0, 17, 63]) {
      const c = initial.slice();
      c[at] = c[at]! ^ 0x80;
      expect(identifyChunk(c, 5, 128).kind).toBe('corrupt');
    }
    const odd = new Uint8Array(66);
    fillInitial(odd, 5, 128);
    expect(identifyChunk(odd, 5, 128)).toEqual({ kind: 'initial' });
    odd[65] = 1;
    expect(identifyChunk(odd, 5, 128).kind).toBe('corrupt');
  });

  it('digests a slice differently once a chunk was written', () => {
    const none = expectedSliceDigest(1, 0, 256, 64, 0, new Map());
    const one = expectedSliceDigest(1, 0, 256, 64, 0, new Map([[2, 0]]));
    expect(none).not.toBe(one);
    expect(expectedSliceDigest(1, 0, 256, 64, 0, new Map([[2, 0]]))).toBe(one);
  });
});
