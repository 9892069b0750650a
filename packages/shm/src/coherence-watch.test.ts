import { describe, expect, it } from 'vitest';
import { CoherenceWatch } from './coherence-watch.js';

describe('coherence watch', () => {
  it('accepts readers, then a writer once they are gone', () => {
    const w = CoherenceWatch.create(2);
    expect(w.setPermission(0, 1, 'read')).toBeUndefined();
    expect(w.setPermission(0, 3, 'read')).toBeUndefined();
    expect(w.holders(0)).toEqual({ writer: undefined, readers: [1, 3] });
    expect(w.setPermission(0, 1, 'none')).toBeUndefined();
    expect(w.setPermission(0, 3, 'read-write')).toBeUndefined();
    expect(w.holders(0)).toEqual({ writer: 3, readers: [] });
    expect(w.checkHolds(0, 3, 'read-write')).toBeUndefined();
    expect(w.checkHolds(0, 1, 'read')?.kind).toBe('missing-permission');
  });

  it('reports a writer next to another holder, whichever came second', () => {
    const w = CoherenceWatch.create(1);
    w.setPermission(0, 0, 'read-write');
    expect(w.setPermission(0, 2, 'read')).toEqual({ kind: 'swmr', holders: { writer: 0, readers: [2] } });
    const v = CoherenceWatch.create(1);
    v.setPermission(0, 2, 'read');
    expect(v.setPermission(0, 0, 'read-write')?.kind).toBe('swmr');
  });

  it('keeps the last stored value for load checks, across attach', () => {
    const w = CoherenceWatch.create(3);
    const other = CoherenceWatch.attach(w.handle());
    expect(w.checkLoad(2, 0)).toBeUndefined();
    other.recordStore(2, 41);
    expect(w.checkLoad(2, 41)).toBeUndefined();
    expect(w.checkLoad(2, 7)).toEqual({ kind: 'stale-value', expected: 41 });
    expect(w.stores(2)).toBe(1);
    expect(() => w.setPermission(0, CoherenceWatch.maxNodes, 'read')).toThrow(/at most/);
  });
});
