/**
 * TEST ONLY: deliberately broken variants of the protocol tables, selectable
 * by name from a workload config, so that tests can check that the checkers
 * catch a broken protocol on the real simulator (node workers, real bus).
 */
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
 * TEST ONLY: the broken protocol variants, by name, each a transformation
 * of the correct tables:
 *  - `skip-copy-data-on-read-miss`: a read miss completes without copying the data (data-value violation);
 *  - `owner-keeps-write-on-forwarded-read`: an M owner answers a forwarded read but stays M (SWMR violation);
 *  - `sharer-drops-inv-ack`: a sharer invalidates its copy without acking (a lost message: the writer waits forever);
 *  - `writeback-retries-forever`: an evicted M line resends its PutM on every PutAck (a livelock: messages flow, the writeback never ends).
 */
export const BROKEN_PROTOCOLS = {
  'skip-copy-data-on-read-miss': (): ProtocolTables => ({ cacheTable: withoutAction(CACHE_TABLE, 'IS_D', 'DataAllAcks', 'copyData') }),
  'owner-keeps-write-on-forwarded-read': (): ProtocolTables => ({ cacheTable: ownerKeepsWrite() }),
  'sharer-drops-inv-ack': (): ProtocolTables => ({ cacheTable: withoutAction(CACHE_TABLE, 'S', 'Inv', 'sendInvAck') }),
  'writeback-retries-forever': (): ProtocolTables => ({ cacheTable: writebackRetriesForever() }),
} as const;

/** TEST ONLY: the name of a broken protocol variant. */
export type BrokenProtocolName = keyof typeof BROKEN_PROTOCOLS;

/** TEST ONLY: every broken protocol variant's name, in declaration order. */
export const BROKEN_PROTOCOL_NAMES = Object.keys(BROKEN_PROTOCOLS) as [BrokenProtocolName, ...BrokenProtocolName[]];

/** TEST ONLY: returns the broken tables of `name` (see BROKEN_PROTOCOLS). */
export function brokenProtocol(name: BrokenProtocolName): ProtocolTables {
  return BROKEN_PROTOCOLS[name]();
}
