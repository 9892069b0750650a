import { describe, expect, it } from 'vitest';
import { CACHE_STATES, REPLACEABLE_CACHE_STATES, STABLE_CACHE_STATES, TRANSIENT_CACHE_STATES, cachePermission } from './cache-states.js';
import { CACHE_TABLE } from './cache-table.js';
import { DIR_STATES, RECALL_STATES, STABLE_DIR_STATES } from './directory-states.js';
import { DIRECTORY_TABLE } from './directory-table.js';
import { renderMarkdown, stateNames } from './table.js';

/** A transient state is named after what is pending: a `_` suffix (`IS_D`, `S_Recall_A`). */
const pendingSuffix = (name: string): boolean => name.includes('_');

describe('state sets come from the state specs', () => {
  it.each([CACHE_TABLE, DIRECTORY_TABLE])('$name: every stable state has a non-busy permission; transient states are exactly the busy or pending-named ones', (table) => {
    for (const s of table.states) {
      if (s.stable) expect(s.permission, s.name).not.toBe('busy');
      expect(!s.stable, s.name).toBe(s.permission === 'busy' || pendingSuffix(s.name));
    }
  });

  it('the cache sets: stable I, S, E, O, M; the rest transient; victims only among stable states holding a copy, which are exactly the states with a Replacement row', () => {
    expect([...STABLE_CACHE_STATES]).toEqual(['I', 'S', 'E', 'O', 'M']);
    expect([...TRANSIENT_CACHE_STATES].sort()).toEqual(stateNames(CACHE_STATES, (s) => !STABLE_CACHE_STATES.has(s.name)).sort());
    expect([...REPLACEABLE_CACHE_STATES]).toEqual(['S', 'E', 'O', 'M']);
    expect(REPLACEABLE_CACHE_STATES.has('I')).toBe(false);
    const replacementRows = CACHE_TABLE.transitions.filter((t) => t.event === 'Replacement').flatMap((t) => t.from);
    expect(new Set(replacementRows)).toEqual(REPLACEABLE_CACHE_STATES);
  });

  it('the directory sets: stable I, S, EM, O; its transient states are exactly the recall states', () => {
    expect([...STABLE_DIR_STATES]).toEqual(['I', 'S', 'EM', 'O']);
    expect(RECALL_STATES).toEqual(stateNames(DIR_STATES, (s) => !s.stable));
    expect(RECALL_STATES).toEqual(['S_Recall_A', 'EM_Recall_D', 'O_Recall_AD']);
  });

  it('cachePermission is the state spec\'s permission (none for an unknown name)', () => {
    for (const s of CACHE_STATES) expect(cachePermission(s.name)).toBe(s.permission);
    expect(cachePermission('nonsense')).toBe('none');
  });

  it('renderMarkdown shows whether each state is stable', () => {
    const text = renderMarkdown(CACHE_TABLE);
    expect(text).toContain('| State | Stable | Permission | Description |');
    expect(text).toContain('| `I` | yes | none |');
    expect(text).toContain('| `SM_AD` | no | read |');
    expect(renderMarkdown(DIRECTORY_TABLE)).toContain('| `S_Recall_A` | no | busy |');
  });
});
