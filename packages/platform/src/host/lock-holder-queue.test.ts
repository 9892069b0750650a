import { describe, expect, it } from 'vitest';
import { CdmsimError, nodeId } from '@cdmsim/engine';
import { LockHolderQueue } from './lock-holder-queue.js';

describe('LockHolderQueue', () => {
  it('tells the holder of each arrival and hands requests out oldest first', () => {
    const q = new LockHolderQueue<string>('cpu0', 'an eviction request', 'onEvictionRequest');
    const told: number[] = [];
    q.onQueued(() => told.push(q.size));
    q.push('a', nodeId(2));
    q.push('b', nodeId(3));
    expect(told).toEqual([1, 2]);
    expect([q.take(), q.take(), q.take()]).toEqual(['a', 'b', undefined]);
    expect(q.size).toBe(0);
  });

  it('refuses a request nobody would serve, naming the node, the request and the setter', () => {
    const q = new LockHolderQueue<string>('cpu1', 'a migrate-on-fault request', 'onPlacementRequest');
    expect(() => q.push('x', nodeId(4))).toThrow(CdmsimError);
    expect(() => q.push('x', nodeId(4))).toThrow('node cpu1: a migrate-on-fault request from node 4 and no holder of the mmap lock to serve it (onPlacementRequest)');
  });
});
