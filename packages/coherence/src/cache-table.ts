/**
 * The cache controller's protocol table (MOESI directory protocol, L1 side).
 * Read it with cache-states.ts; actions are implemented in cache-actions.ts.
 * Which container holds a line's record follows from its state (tag array,
 * writeback TBE for `xI_A`, nothing for I), so there are no allocate actions.
 */
import { stateNames, type ProtocolTable } from './table.js';
import { CACHE_EVENTS, CACHE_STATES, REPLACEABLE_CACHE_STATES, STABLE_CACHE_STATES, type CacheEvent, type CacheState } from './cache-states.js';

/** Every cache action. */
export type CacheAction =
  | 'issueGetS' | 'issueGetM' | 'issuePutS' | 'issuePutE' | 'issuePutM'
  | 'hit' | 'completeMiss' | 'copyData' | 'setAcksNeeded' | 'countAck'
  | 'sendDataToRequester' | 'sendInvAck' | 'deallocateTbe' | 'stall';

const ACTIONS: Record<CacheAction, string> = {
  issueGetS: 'Send GetS to the home directory and remember the pending load.',
  issueGetM: 'Send GetM to the home directory, remember the pending store, reset the ack counters.',
  issuePutS: 'Send PutS to the home directory.',
  issuePutE: 'Send PutE (no data) to the home directory; keep the clean data in the TBE.',
  issuePutM: 'Send PutM with the line\'s data to the home directory; keep the data in the TBE.',
  hit: 'Perform the agent\'s load or store on the line now; it completes after the hit latency.',
  completeMiss: 'Perform the pending load or store now that the permission is held; completes after the hit latency.',
  copyData: 'Copy the message\'s data into the line.',
  setAcksNeeded: 'Record how many invalidation acks the message says to collect.',
  countAck: 'Count one invalidation ack (acks may arrive before the count is known).',
  sendDataToRequester: 'Send the line\'s data to the message\'s requester, passing on its ack count.',
  sendInvAck: 'Send InvAck to the message\'s requester.',
  deallocateTbe: 'Free the writeback TBE.',
  stall: 'Leave the event queued; it is retried after the next transition of this line (per-source order kept).',
};

// State sets come from the state specs (cache-states.ts), in table order.
/** Transient states that grant no access: the agent's loads and stores wait. */
const BUSY: CacheState[] = stateNames(CACHE_STATES, (s) => s.permission === 'busy');
/** Transient states that keep read permission while a GetM is in flight. */
const UPGRADING: CacheState[] = stateNames(CACHE_STATES, (s) => !s.stable && s.permission === 'read');
const STABLE: CacheState[] = [...STABLE_CACHE_STATES];
/** I and the transient states: no copy to evict, or the line is busy. */
const NOT_REPLACEABLE: CacheState[] = stateNames(CACHE_STATES, (s) => !REPLACEABLE_CACHE_STATES.has(s.name));
const PUTTING_OWNER: CacheState[] = ['MI_A', 'EI_A', 'OI_A'];
const RESPONSES: CacheEvent[] = ['PutAck', 'Data', 'DataAllAcks', 'DataExclusive', 'AckCount', 'AckCountAllAcks', 'InvAck', 'LastInvAck'];
const DATA: CacheEvent[] = ['Data', 'DataAllAcks', 'DataExclusive'];
const ACK_COUNT: CacheEvent[] = ['AckCount', 'AckCountAllAcks'];
const ACKS: CacheEvent[] = ['InvAck', 'LastInvAck'];

/** The cache table. Pass a modified copy to a system to test the checkers (see `withoutAction`). */
export const CACHE_TABLE: ProtocolTable<CacheState, CacheEvent, CacheAction> = {
  name: 'Cache',
  description:
    'Per-agent cache controller (CPU node or device) of the MOESI directory protocol. Requests go to the line\'s home directory; ' +
    'owners answer forwarded requests directly to the requester; writers collect invalidation acks from sharers. ' +
    'Network order is assumed FIFO per (source, destination) pair only.',
  states: CACHE_STATES,
  events: CACHE_EVENTS,
  actions: ACTIONS,
  transitions: [
    // Stable states: the agent.
    { from: ['I'], event: 'Load', to: 'IS_D', actions: ['issueGetS'], description: 'Read miss.' },
    { from: ['I'], event: 'Store', to: 'IM_AD', actions: ['issueGetM'], description: 'Write miss.' },
    { from: ['S', 'E', 'O', 'M'], event: 'Load', actions: ['hit'], description: 'Read hit.' },
    { from: ['S'], event: 'Store', to: 'SM_AD', actions: ['issueGetM'], description: 'Upgrade: need the other sharers invalidated.' },
    { from: ['O'], event: 'Store', to: 'OM_AC', actions: ['issueGetM'], description: 'Upgrade from O: the directory replies with the number of sharers to wait for.' },
    { from: ['E', 'M'], event: 'Store', to: 'M', actions: ['hit'], description: 'Write hit (E upgrades silently).' },
    { from: ['S'], event: 'Replacement', to: 'SI_A', actions: ['issuePutS'], description: 'Evict a shared copy.' },
    { from: ['E'], event: 'Replacement', to: 'EI_A', actions: ['issuePutE'], description: 'Evict a clean exclusive copy.' },
    { from: ['M'], event: 'Replacement', to: 'MI_A', actions: ['issuePutM'], description: 'Evict a dirty copy: write back.' },
    { from: ['O'], event: 'Replacement', to: 'OI_A', actions: ['issuePutM'], description: 'Evict an owned copy: write back.' },
    // Stable states: the directory.
    { from: ['S'], event: 'Inv', to: 'I', actions: ['sendInvAck'], description: 'Another cache writes (or the page is recalled).' },
    { from: ['E', 'M'], event: 'FwdGetS', to: 'O', actions: ['sendDataToRequester'], description: 'Another cache reads: supply data, keep ownership.' },
    { from: ['O'], event: 'FwdGetS', actions: ['sendDataToRequester'], description: 'Another cache reads: supply data.' },
    { from: ['E', 'O', 'M'], event: 'FwdGetM', to: 'I', actions: ['sendDataToRequester'], description: 'Another cache writes (or a recall): hand over the line.' },
    // Transient states: the agent waits.
    { from: BUSY, event: ['Load', 'Store'], actions: ['stall'], description: 'A request for this line is in flight.' },
    { from: UPGRADING, event: 'Load', actions: ['hit'], description: 'Read permission is kept while upgrading.' },
    { from: UPGRADING, event: 'Store', actions: ['stall'], description: 'Write permission not yet granted.' },
    // Read miss.
    { from: ['IS_D'], event: 'Inv', actions: ['stall'], description: 'Race: a writer\'s Inv overtook the owner\'s data for our GetS; handle it once the data is in.' },
    { from: ['IS_D'], event: 'DataAllAcks', to: 'S', actions: ['copyData', 'completeMiss'], description: 'Shared data arrived.' },
    { from: ['IS_D'], event: 'DataExclusive', to: 'E', actions: ['copyData', 'completeMiss'], description: 'No other copies: granted Exclusive.' },
    // Write miss and upgrades.
    { from: ['IM_AD', 'SM_AD'], event: 'DataAllAcks', to: 'M', actions: ['copyData', 'completeMiss'], description: 'Data and all acks in.' },
    { from: ['IM_AD'], event: 'Data', to: 'IM_A', actions: ['copyData', 'setAcksNeeded'], description: 'Data in, acks outstanding.' },
    { from: ['SM_AD'], event: 'Data', to: 'SM_A', actions: ['copyData', 'setAcksNeeded'], description: 'Data in, acks outstanding.' },
    { from: ['IM_AD', 'IM_A', 'SM_AD', 'SM_A', 'OM_AC', 'OM_A'], event: 'InvAck', actions: ['countAck'], description: 'One more sharer invalidated.' },
    { from: ['IM_A', 'SM_A', 'OM_A'], event: 'LastInvAck', to: 'M', actions: ['countAck', 'completeMiss'], description: 'Last sharer invalidated: write permission.' },
    { from: ['IM_AD', 'IM_A', 'SM_AD', 'SM_A', 'OM_A'], event: ['FwdGetS', 'FwdGetM'], actions: ['stall'], description: 'Race: we are already the owner at the directory but cannot answer until our store completes.' },
    { from: ['SM_AD'], event: 'Inv', to: 'IM_AD', actions: ['sendInvAck'], description: 'Race: another writer\'s GetM was ordered before our upgrade; we lost the shared copy.' },
    { from: ['OM_AC'], event: 'FwdGetS', actions: ['sendDataToRequester'], description: 'Still the owner until the directory orders our GetM.' },
    { from: ['OM_AC'], event: 'FwdGetM', to: 'IM_AD', actions: ['sendDataToRequester'], description: 'Race: another writer was ordered first; our GetM will be forwarded to it.' },
    { from: ['OM_AC'], event: 'AckCountAllAcks', to: 'M', actions: ['completeMiss'], description: 'No sharers left to wait for.' },
    { from: ['OM_AC'], event: 'AckCount', to: 'OM_A', actions: ['setAcksNeeded'], description: 'Wait for the sharers\' acks.' },
    // Evictions.
    { from: PUTTING_OWNER, event: 'FwdGetS', to: 'OI_A', actions: ['sendDataToRequester'], description: 'Race: a reader was ordered before our Put; answer from the TBE.' },
    { from: PUTTING_OWNER, event: 'FwdGetM', to: 'II_A', actions: ['sendDataToRequester'], description: 'Race: a writer (or recall) was ordered before our Put; answer from the TBE.' },
    { from: ['SI_A'], event: 'Inv', to: 'II_A', actions: ['sendInvAck'], description: 'Race: a writer was ordered before our PutS.' },
    { from: [...PUTTING_OWNER, 'SI_A', 'II_A'], event: 'PutAck', to: 'I', actions: ['deallocateTbe'], description: 'Put done.' },
  ],
  illegal: [
    { states: STABLE, events: RESPONSES, why: 'No request or Put is in flight in a stable state.' },
    { states: ['I', 'S'], events: ['FwdGetS', 'FwdGetM'], why: 'Only the owner receives forwards.' },
    { states: ['I', 'E', 'O', 'M'], events: ['Inv'], why: 'Owners get FwdGetM, not Inv; I left the sharer list when its PutS was acked (acks follow the Inv on the same FIFO channel).' },
    { states: NOT_REPLACEABLE, events: ['Replacement'], why: 'Victims are chosen among stable, present lines only.' },
    { states: ['IS_D'], events: ['FwdGetS', 'FwdGetM', 'PutAck', 'Data', ...ACK_COUNT, ...ACKS], why: 'A GetS makes us owner only via DataExclusive, which precedes any forward on the directory→cache channel; GetS collects no acks.' },
    { states: ['IM_AD', 'IM_A', 'SM_A', 'OM_AC', 'OM_A'], events: ['Inv'], why: 'Not a sharer: the directory removed us when it ordered a GetM (an Inv before that reached us in SM_AD).' },
    { states: ['IM_AD', 'SM_AD'], events: ['PutAck', 'DataExclusive', ...ACK_COUNT, 'LastInvAck'], why: 'No Put in flight; GetM is answered by Data; the ack count is unknown before the data.' },
    { states: ['IM_A', 'SM_A', 'OM_A'], events: ['PutAck', ...DATA, ...ACK_COUNT], why: 'Data / ack count already received.' },
    { states: ['OM_AC'], events: ['PutAck', ...DATA, 'LastInvAck'], why: 'The directory answers an owner\'s upgrade with AckCount; the count is unknown before it.' },
    { states: PUTTING_OWNER, events: ['Inv', ...DATA, ...ACK_COUNT, ...ACKS], why: 'Owners get no Inv; no request in flight.' },
    { states: ['SI_A'], events: ['FwdGetS', 'FwdGetM', ...DATA, ...ACK_COUNT, ...ACKS], why: 'A sharer is not the owner; no request in flight.' },
    { states: ['II_A'], events: ['FwdGetS', 'FwdGetM', 'Inv', ...DATA, ...ACK_COUNT, ...ACKS], why: 'The copy is gone and the directory knows it; only the PutAck is due.' },
  ],
};
