/**
 * TEST ONLY: deliberately broken variants of the protocol tables, selectable
 * by name from a workload config, so that tests can check that the checkers
 * catch a broken protocol on the real simulator (node workers, real bus).
 */
import type { BrokenProtocolName } from '@cdmsim/config';
import { CACHE_TABLE, type CacheAction } from './cache-table.js';
import type { CacheEvent, CacheState } from './cache-states.js';
import type { DirEvent, DirState } from './directory-states.js';
import type { DirAction } from './directory-table.js';
import { withoutAction, type ProtocolTable } from './table.js';

/** The tables a run uses; absent = the correct table. */
export interface ProtocolTables {
  readonly cacheTable?: ProtocolTable<CacheState, CacheEvent, CacheAction>;
  readonly directoryTable?: ProtocolTable<DirState, DirEvent, DirAction>;
}

/** Returns the cache table where an owner in M answers a forwarded read and keeps write permission (breaks SWMR). */
function ownerKeepsWrite(): ProtocolTable<CacheState, CacheEvent, CacheAction> {
  const transitions = CACHE_TABLE.transitions.map((t) => (t.event === 'FwdGetS' && t.from.includes('M') ? { ...t, from: t.from.filter((s) => s !== 'M') } : t));
  return {
    ...CACHE_TABLE,
    name: `${CACHE_TABLE.name} (broken)`,
    transitions: [...transitions.filter((t) => t.from.length > 0), { from: ['M'], event: 'FwdGetS', actions: ['sendDataToRequester'], description: 'BROKEN: stays M after answering a read' }],
  };
}

/** Returns the cache table where an evicted M line, on its PutAck, sends its PutM again instead of finishing (a livelock). */
function writebackRetriesForever(): ProtocolTable<CacheState, CacheEvent, CacheAction> {
  const transitions = CACHE_TABLE.transitions.map((t) => (t.event === 'PutAck' && t.from.includes('MI_A') ? { ...t, from: t.from.filter((s) => s !== 'MI_A') } : t));
  return {
    ...CACHE_TABLE,
    name: `${CACHE_TABLE.name} (broken)`,
    transitions: [...transitions, { from: ['MI_A'], event: 'PutAck', actions: ['issuePutM'], description: 'BROKEN: writes back again instead of finishing' }],
  };
}

/**
 * TEST ONLY: returns the broken tables of `name`.
 *  - `skip-copy-data-on-read-miss`: a read miss completes without copying the data (data-value violation);
 *  - `owner-keeps-write-on-forwarded-read`: an M owner answers a forwarded read but stays M (SWMR violation);
 *  - `sharer-drops-inv-ack`: a sharer invalidates its copy without acking (a lost message: the writer waits forever);
 *  - `writeback-retries-forever`: an evicted M line resends its PutM on every PutAck (a livelock: messages flow, the writeback never ends).
 */
export function brokenProtocol(name: BrokenProtocolName): ProtocolTables {
  switch (name) {
    case 'skip-copy-data-on-read-miss':
      return { cacheTable: withoutAction(CACHE_TABLE, 'IS_D', 'DataAllAcks', 'copyData') };
    case 'owner-keeps-write-on-forwarded-read':
      return { cacheTable: ownerKeepsWrite() };
    case 'sharer-drops-inv-ack':
      return { cacheTable: withoutAction(CACHE_TABLE, 'S', 'Inv', 'sendInvAck') };
    case 'writeback-retries-forever':
      return { cacheTable: writebackRetriesForever() };
  }
}
