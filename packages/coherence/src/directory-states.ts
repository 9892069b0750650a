/**
 * The directory (home agent) states and events. The directory sits at each
 * memory's home node and tracks, per line, the owner and the sharers. Its
 * only transient states belong to page recalls (`flushPage` / `invalidatePage`),
 * named after what is pending: `_A` acks, `_D` the owner's data.
 */
import { stateNames, type EventSpec, type StateSpec } from './table.js';

/** Every directory state. */
export type DirState = 'I' | 'S' | 'EM' | 'O' | 'S_Recall_A' | 'EM_Recall_D' | 'O_Recall_AD';

/** Every directory event; the in-port classifies messages by requester, owner and sharer list. */
export type DirEvent =
  | 'GetS' | 'GetM' | 'GetMFromOwner'
  | 'PutS' | 'PutSLast' | 'PutOwner' | 'PutNonOwner'
  | 'Recall' | 'InvAck' | 'LastInvAck' | 'OwnerData' | 'LastOwnerData';

/** State specs, in table order. Permission here describes memory's copy. Every directory state set is derived from them. */
export const DIR_STATES: readonly StateSpec<DirState>[] = [
  { name: 'I', stable: true, permission: 'read-write', description: 'No cached copies; memory holds the line.' },
  { name: 'S', stable: true, permission: 'read', description: 'One or more sharers, no owner; memory is up to date.' },
  { name: 'EM', stable: true, permission: 'none', description: 'One owner (E or M at the cache, or O with no sharers left), no sharers; memory may be stale.' },
  { name: 'O', stable: true, permission: 'none', description: 'One owner and at least one sharer; memory may be stale; the owner answers reads.' },
  { name: 'S_Recall_A', stable: false, permission: 'busy', description: 'Recall: Inv sent to every sharer, waiting for their acks (data is home). Requests stall.' },
  { name: 'EM_Recall_D', stable: false, permission: 'busy', description: 'Recall: FwdGetM sent to the owner on the directory\'s behalf, waiting for the data. Requests stall.' },
  { name: 'O_Recall_AD', stable: false, permission: 'busy', description: 'Recall: FwdGetM to the owner and Inv to the sharers, waiting for the data and acks. Requests stall.' },
];

/** Stable directory states (`stable: true`), in table order: I, S, EM, O. */
export const STABLE_DIR_STATES: ReadonlySet<DirState> = new Set(stateNames(DIR_STATES, (s) => s.stable));

/**
 * Directory states in which a recall is in flight: the transient states, in
 * table order (the directory never waits for anything but a recall).
 */
export const RECALL_STATES: readonly DirState[] = stateNames(DIR_STATES, (s) => !s.stable);

/** Event specs, in table order. */
export const DIR_EVENTS: readonly EventSpec<DirEvent>[] = [
  { name: 'GetS', description: 'A cache wants a readable copy.' },
  { name: 'GetM', description: 'A cache that is not the owner wants a writable copy.' },
  { name: 'GetMFromOwner', description: 'The owner (O at the cache) wants to write.' },
  { name: 'PutS', description: 'A PutS that does not remove the last sharer (or comes from a cache no longer listed).' },
  { name: 'PutSLast', description: 'A PutS from the only sharer.' },
  { name: 'PutOwner', description: 'PutM (with data) or PutE from the current owner.' },
  { name: 'PutNonOwner', description: 'PutM / PutE from a cache that lost ownership while its Put was in flight.' },
  { name: 'Recall', description: 'Memory management asks for the line home and every copy gone (page flush / invalidate).' },
  { name: 'InvAck', description: 'A sharer acked a recall Inv; more responses are due.' },
  { name: 'LastInvAck', description: 'A sharer acked a recall Inv; it was the last response due.' },
  { name: 'OwnerData', description: 'The owner sent the line for a recall; acks are still due.' },
  { name: 'LastOwnerData', description: 'The owner sent the line for a recall; it was the last response due.' },
];
