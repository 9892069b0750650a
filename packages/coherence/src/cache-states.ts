/**
 * The cache controller's states and events (MOESI, directory-based). Stable
 * states first, then transient states named after what is pending:
 * `_D` data, `_A` acks (or the PutAck for `xI_A`), `_AC` the ack count.
 */
import { grantsAccess, stateNames, type AccessPermission, type EventSpec, type StateSpec } from './table.js';

/** Every cache state. */
export type CacheState =
  | 'I' | 'S' | 'E' | 'O' | 'M'
  | 'IS_D' | 'IM_AD' | 'IM_A' | 'SM_AD' | 'SM_A' | 'OM_AC' | 'OM_A'
  | 'MI_A' | 'EI_A' | 'OI_A' | 'SI_A' | 'II_A';

/** Every cache event. Core events come from the agent; the rest classify incoming messages. */
export type CacheEvent =
  | 'Load' | 'Store' | 'Replacement'
  | 'FwdGetS' | 'FwdGetM' | 'Inv' | 'PutAck'
  | 'Data' | 'DataAllAcks' | 'DataExclusive' | 'AckCount' | 'AckCountAllAcks'
  | 'InvAck' | 'LastInvAck';

/** States whose record lives in the writeback buffer (TBE), not in the tag array: the line was evicted and its Put is in flight. */
export const PUT_PENDING_STATES: ReadonlySet<CacheState> = new Set<CacheState>(['MI_A', 'EI_A', 'OI_A', 'SI_A', 'II_A']);

/**
 * States whose record (tag array or TBE) holds the line's current data: a
 * load would be answered from it, or a forward is answered with it. Memory
 * may be older than this data in the owner states (O, M and their
 * transients). I, IS_D, IM_AD and II_A hold none.
 */
export const DATA_VALID_STATES: ReadonlySet<CacheState> = new Set<CacheState>(['S', 'E', 'O', 'M', 'SM_AD', 'SM_A', 'OM_AC', 'OM_A', 'IM_A', 'MI_A', 'EI_A', 'OI_A', 'SI_A']);

/** State specs, in table order. The stable, transient and replaceable sets below are derived from them. */
export const CACHE_STATES: readonly StateSpec<CacheState>[] = [
  { name: 'I', stable: true, permission: 'none', description: 'Invalid: no copy, nothing in flight.' },
  { name: 'S', stable: true, permission: 'read', description: 'Shared: clean read-only copy; the directory lists this cache as a sharer.' },
  { name: 'E', stable: true, permission: 'read-write', description: 'Exclusive: the only copy, clean; a store upgrades to M silently.' },
  { name: 'O', stable: true, permission: 'read', description: 'Owned: read-only, possibly dirty, other sharers may exist; this cache answers forwarded requests and must write back.' },
  { name: 'M', stable: true, permission: 'read-write', description: 'Modified: the only copy, dirty.' },
  { name: 'IS_D', stable: false, permission: 'busy', description: 'GetS sent from I, waiting for data (from the directory or the owner).' },
  { name: 'IM_AD', stable: false, permission: 'busy', description: 'GetM sent from I, waiting for data and invalidation acks. Already the owner at the directory, so forwards stall.' },
  { name: 'IM_A', stable: false, permission: 'busy', description: 'GetM: data arrived, waiting for the remaining invalidation acks.' },
  { name: 'SM_AD', stable: false, permission: 'read', description: 'GetM sent from S (upgrade), waiting for data and acks; loads still hit. An Inv that raced ahead of our GetM demotes to IM_AD.' },
  { name: 'SM_A', stable: false, permission: 'read', description: 'Upgrade: data arrived, waiting for the remaining acks.' },
  { name: 'OM_AC', stable: false, permission: 'read', description: 'GetM sent from O, waiting for the directory\'s ack count; still the owner, so forwards are answered. A FwdGetM that won the race demotes to IM_AD.' },
  { name: 'OM_A', stable: false, permission: 'read', description: 'Upgrade from O: ack count known, waiting for the remaining acks.' },
  { name: 'MI_A', stable: false, permission: 'busy', description: 'Evicted from M: PutM (with data) sent, waiting for PutAck; data kept in the TBE to answer forwards that raced with the Put.' },
  { name: 'EI_A', stable: false, permission: 'busy', description: 'Evicted from E: PutE sent, waiting for PutAck; clean data kept to answer raced forwards.' },
  { name: 'OI_A', stable: false, permission: 'busy', description: 'Evicted from O (or a FwdGetS raced with MI_A/EI_A): PutM sent, waiting for PutAck; still answers forwards.' },
  { name: 'SI_A', stable: false, permission: 'busy', description: 'Evicted from S: PutS sent, waiting for PutAck; an Inv that raced with the Put is still acked.' },
  { name: 'II_A', stable: false, permission: 'busy', description: 'Put in flight but the copy was already taken away (Inv or FwdGetM raced with the Put); waiting for PutAck.' },
];

/** Stable states (`stable: true`, nothing in flight), in table order: I, S, E, O, M. */
export const STABLE_CACHE_STATES: ReadonlySet<CacheState> = new Set(stateNames(CACHE_STATES, (s) => s.stable));

/** Transient states (a request or Put in flight), in table order. */
export const TRANSIENT_CACHE_STATES: ReadonlySet<CacheState> = new Set(stateNames(CACHE_STATES, (s) => !s.stable));

/**
 * Stable states that hold a copy (they grant read or read-write): the states
 * a victim may be chosen from, and exactly the states with a `Replacement`
 * row (I holds nothing to evict; a transient line is busy).
 */
export const REPLACEABLE_CACHE_STATES: ReadonlySet<CacheState> = new Set(stateNames(CACHE_STATES, (s) => s.stable && grantsAccess(s.permission)));

const PERMISSIONS: ReadonlyMap<CacheState, AccessPermission> = new Map(CACHE_STATES.map((s) => [s.name, s.permission]));

/** Returns the access the core has to a line in `state` (its spec's permission; `none` for a name no spec has). */
export function cachePermission(state: string): AccessPermission {
  return PERMISSIONS.get(state as CacheState) ?? 'none';
}

/** Event specs, in table order. */
export const CACHE_EVENTS: readonly EventSpec<CacheEvent>[] = [
  { name: 'Load', description: 'The agent reads the line.' },
  { name: 'Store', description: 'The agent writes the line.' },
  { name: 'Replacement', description: 'The line is the LRU victim of its set (only stable lines are chosen).' },
  { name: 'FwdGetS', description: 'The directory forwards another cache\'s GetS to this owner.' },
  { name: 'FwdGetM', description: 'The directory forwards another cache\'s GetM (or its own recall) to this owner.' },
  { name: 'Inv', description: 'The directory invalidates this sharer on behalf of a writer (or a page recall); ack goes to the requester.' },
  { name: 'PutAck', description: 'The directory has processed this cache\'s Put.' },
  { name: 'Data', description: 'Data for a GetM with invalidation acks still outstanding after it.' },
  { name: 'DataAllAcks', description: 'Data with no acks outstanding (ack count reached, or a GetS).' },
  { name: 'DataExclusive', description: 'Data for a GetS granted in E (no other copies).' },
  { name: 'AckCount', description: 'Directory\'s answer to an upgrade from O: acks to collect, some still outstanding.' },
  { name: 'AckCountAllAcks', description: 'Directory\'s answer to an upgrade from O with all acks already in.' },
  { name: 'InvAck', description: 'An invalidation ack that is not the last one (or the count is not known yet).' },
  { name: 'LastInvAck', description: 'The last invalidation ack of a known count.' },
];
