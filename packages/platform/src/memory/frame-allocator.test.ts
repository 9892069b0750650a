import { describe, expect, it } from 'vitest';
import { memNodeId, nodeId } from '@cdmsim/engine';
import { PageType } from '@cdmsim/shm';
import { FrameAllocator } from './frame-allocator.js';

const range = { memNode: memNodeId(0), home: nodeId(0), kind: 'system' as const, type: PageType.SYSTEM_RAM, firstPfn: 4096, frameCount: 3 };

describe('FrameAllocator', () => {
  it('hands out each frame once, reports full as undefined, and reuses freed frames first', () => {
    const a = new FrameAllocator(range);
    expect([a.alloc(), a.alloc(), a.alloc()]).toEqual([4096, 4097, 4098]);
    expect(a.alloc()).toBeUndefined();
    a.free(4097);
    expect(a.alloc()).toBe(4097);
    expect(a.allocated).toBe(3);
    expect(a.everAllocated).toBe(3);
  });

  it('refuses a frame of another memory', () => {
    expect(() => new FrameAllocator(range).free(1)).toThrow(/does not belong/);
  });
});
