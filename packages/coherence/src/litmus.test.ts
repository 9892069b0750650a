import { describe, expect, it } from 'vitest';
import { LITMUS_TESTS, runLitmusSeeds } from './litmus.js';

describe('litmus tests across CPU and GPU agents', () => {
  it.each(LITMUS_TESTS.map((t) => [t.name, t] as const))('%s: no forbidden outcome over 300 seeds, several allowed ones seen', (_name, test) => {
    const r = runLitmusSeeds(test, 300);
    expect(r.forbiddenSeen).toEqual([]);
    expect(Object.keys(r.outcomes).length).toBeGreaterThanOrEqual(3);
  });

  it('the forbidden predicates do flag forbidden outcomes', () => {
    const byName = Object.fromEntries(LITMUS_TESTS.map((t) => [t.name, t]));
    expect(byName['CoRR']!.forbidden({ r1: 2, r2: 1, r3: 0, r4: 0 }, { x: 2 })).toBe(true);
    expect(byName['CoWW']!.forbidden({ r1: 0, r2: 0 }, { x: 1 })).toBe(true);
    expect(byName['CoRW']!.forbidden({ r1: 2 }, { x: 2 })).toBe(true);
    expect(byName['CoWR']!.forbidden({ r1: 0 }, { x: 2 })).toBe(true);
    expect(byName['MP+fences']!.forbidden({ r1: 1, r2: 0 }, {})).toBe(true);
  });
});

describe('litmus test names', () => {
  it('every litmus test has a distinct name (the config format lists them by name)', () => {
    expect(new Set(LITMUS_TESTS.map((t) => t.name)).size).toBe(LITMUS_TESTS.length);
  });
});
