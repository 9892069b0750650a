import { describe, expect, it } from 'vitest';
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

  it('digests a slice differently once a chunk was written', () => {
    const none = expectedSliceDigest(1, 0, 256, 64, 0, new Map());
    const one = expectedSliceDigest(1, 0, 256, 64, 0, new Map([[2, 0]]));
    expect(none).not.toBe(one);
    expect(expectedSliceDigest(1, 0, 256, 64, 0, new Map([[2, 0]]))).toBe(one);
  });
});
