import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProtocolViolation } from '@cdmsim/engine';
import { CACHE_TABLE } from './cache-table.js';
import { DIRECTORY_TABLE } from './directory-table.js';
import { TableIndex, checkCompleteness, tableSize, withoutAction, type ProtocolTable } from './table.js';
import { renderCoherenceTables } from './tables-doc.js';
import { tablesDocFile } from './render-tables.js';

describe('protocol tables', () => {
  it.each<ProtocolTable<string, string, string>>([CACHE_TABLE, DIRECTORY_TABLE])('every (state, event) pair of the $name table is a row or explicitly illegal', (table) => {
    expect(checkCompleteness(table)).toEqual([]);
    const size = tableSize(table);
    const illegal = table.illegal.reduce((n, p) => n + p.states.length * p.events.length, 0);
    expect(size.pairs + illegal).toBe(size.states * size.events);
  });

  it('the completeness check reports a pair that was dropped', () => {
    const broken = { ...CACHE_TABLE, illegal: CACHE_TABLE.illegal.slice(1) };
    expect(checkCompleteness(broken).some((i) => i.problem === 'missing' && i.state === 'I' && i.event === 'PutAck')).toBe(true);
  });

  it('a pair with no row throws ProtocolViolation naming controller, state, event and address', () => {
    const index = new TableIndex(CACHE_TABLE);
    expect(() => index.lookup('I', 'PutAck', 0x1040)).toThrow(ProtocolViolation);
    try {
      index.lookup('I', 'PutAck', 0x1040);
    } catch (e) {
      expect(e).toMatchObject({ table: 'Cache', state: 'I', event: 'PutAck', address: '0x1040' });
    }
  });

  it('withoutAction removes one action from one pair only', () => {
    const broken = withoutAction(CACHE_TABLE, 'S', 'Inv', 'sendInvAck');
    expect(new TableIndex(broken).lookup('S', 'Inv', 0).actions).toEqual([]);
    expect(new TableIndex(broken).lookup('SI_A', 'Inv', 0).actions).toEqual(['sendInvAck']);
    expect(checkCompleteness(broken)).toEqual([]);
  });

  it('docs/coherence-tables.md is what the tables render (run node packages/coherence/dist/render-tables.js)', () => {
    const text = renderCoherenceTables();
    expect(text).toContain('| **IS_D** |');
    expect(readFileSync(tablesDocFile, 'utf8')).toBe(text);
  });
});
