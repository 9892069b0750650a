/**
 * The directory's protocol table (MOESI home agent). Requests are ordered
 * here; the directory never blocks on a cache-to-cache transfer (owners
 * answer requesters directly, writers collect acks), so only recalls have
 * transient states. Actions are implemented in directory-actions.ts.
 */
import type { ProtocolTable } from './table.js';
import { DIR_EVENTS, DIR_STATES, RECALL_STATES, STABLE_DIR_STATES, type DirEvent, type DirState } from './directory-states.js';

/** Every directory action. */
export type DirAction =
  | 'sendData' | 'sendDataWithAckCount' | 'sendDataExclusive' | 'forwardGetS' | 'forwardGetM' | 'sendAckCount'
  | 'invalidateSharers' | 'addSharer' | 'removeSharer' | 'clearSharers' | 'setOwner' | 'clearOwner'
  | 'writeMemory' | 'sendPutAck' | 'recallSharers' | 'recallOwner' | 'countRecallResponse' | 'finishRecall' | 'stall';

const ACTIONS: Record<DirAction, string> = {
  sendData: 'Send Data from memory (after the memory latency) to the requester; no acks to collect.',
  sendDataWithAckCount: 'Send Data from memory (after the memory latency) to the requester, with the number of other sharers as its ack count.',
  sendDataExclusive: 'Send DataE from memory (after the memory latency) to the requester.',
  forwardGetS: 'Forward the GetS to the owner.',
  forwardGetM: 'Forward the GetM to the owner, with the number of other sharers as ack count.',
  sendAckCount: 'Tell the upgrading owner how many sharers will ack.',
  invalidateSharers: 'Send Inv to every sharer except the requester; acks go to the requester.',
  addSharer: 'Add the requester to the sharers.',
  removeSharer: 'Remove the requester from the sharers.',
  clearSharers: 'Empty the sharer list.',
  setOwner: 'Make the requester the owner.',
  clearOwner: 'Forget the owner.',
  writeMemory: 'Write the message\'s data to memory (PutE carries none: memory is already current).',
  sendPutAck: 'Acknowledge the Put.',
  recallSharers: 'Send Inv to every sharer with the directory as requester; count the acks due.',
  recallOwner: 'Send FwdGetM to the owner with the directory as requester; count the data due.',
  countRecallResponse: 'One recall response fewer is due.',
  finishRecall: 'Forget owner and sharers and report the line recalled (data home, no copies).',
  stall: 'Leave the message queued; retried after the next transition of this line (per-source order kept).',
};

// State sets come from the state specs (directory-states.ts), in table order.
const STABLE: DirState[] = [...STABLE_DIR_STATES];
const RECALLING: DirState[] = [...RECALL_STATES];
const RECALL_RESPONSES: DirEvent[] = ['InvAck', 'LastInvAck', 'OwnerData', 'LastOwnerData'];

/** The directory table. */
export const DIRECTORY_TABLE: ProtocolTable<DirState, DirEvent, DirAction> = {
  name: 'Directory',
  description:
    'Home-agent directory of the MOESI protocol, one per memory (a CPU node for its DRAM, a device for its public memory). ' +
    'It orders requests per line, supplies data from memory when no cache owns the line, and recalls lines for page migration, unmap, eviction and free.',
  states: DIR_STATES,
  events: DIR_EVENTS,
  actions: ACTIONS,
  transitions: [
    { from: ['I'], event: 'GetS', to: 'EM', actions: ['sendDataExclusive', 'setOwner'], description: 'No other copies: grant Exclusive.' },
    { from: ['I'], event: 'GetM', to: 'EM', actions: ['sendData', 'setOwner'], description: 'No copies to invalidate.' },
    { from: ['S'], event: 'GetS', actions: ['sendData', 'addSharer'], description: 'Memory is current.' },
    { from: ['S'], event: 'GetM', to: 'EM', actions: ['sendDataWithAckCount', 'invalidateSharers', 'clearSharers', 'setOwner'], description: 'Invalidate the sharers; the requester collects their acks.' },
    { from: ['EM', 'O'], event: 'GetS', to: 'O', actions: ['forwardGetS', 'addSharer'], description: 'The owner supplies the data and keeps ownership.' },
    { from: ['EM', 'O'], event: 'GetM', to: 'EM', actions: ['forwardGetM', 'invalidateSharers', 'clearSharers', 'setOwner'], description: 'The owner hands the line over; sharers ack to the requester.' },
    { from: ['EM', 'O'], event: 'GetMFromOwner', to: 'EM', actions: ['sendAckCount', 'invalidateSharers', 'clearSharers'], description: 'Owner upgrades from O: invalidate the sharers.' },
    { from: ['I', 'S', 'EM', 'O'], event: 'PutS', actions: ['removeSharer', 'sendPutAck'], description: 'A sharer leaves (or a stale PutS whose sender was already invalidated).' },
    { from: ['S'], event: 'PutSLast', to: 'I', actions: ['removeSharer', 'sendPutAck'], description: 'The last sharer leaves.' },
    { from: ['O'], event: 'PutSLast', to: 'EM', actions: ['removeSharer', 'sendPutAck'], description: 'The last sharer leaves; the owner is alone.' },
    { from: ['EM'], event: 'PutOwner', to: 'I', actions: ['writeMemory', 'clearOwner', 'sendPutAck'], description: 'Owner writes back; no copies remain.' },
    { from: ['O'], event: 'PutOwner', to: 'S', actions: ['writeMemory', 'clearOwner', 'sendPutAck'], description: 'Owner writes back; sharers remain and memory is current.' },
    { from: STABLE, event: 'PutNonOwner', actions: ['sendPutAck'], description: 'Race: the sender lost ownership to a forwarded request while its Put was in flight; its data already went to the new owner.' },
    { from: ['I'], event: 'Recall', actions: ['finishRecall'], description: 'Nothing cached: done at once.' },
    { from: ['S'], event: 'Recall', to: 'S_Recall_A', actions: ['recallSharers'], description: 'Invalidate every sharer.' },
    { from: ['EM'], event: 'Recall', to: 'EM_Recall_D', actions: ['recallOwner'], description: 'Take the line back from the owner.' },
    { from: ['O'], event: 'Recall', to: 'O_Recall_AD', actions: ['recallOwner', 'recallSharers'], description: 'Take the line back from the owner and invalidate the sharers.' },
    { from: RECALLING, event: ['GetS', 'GetM', 'GetMFromOwner', 'Recall'], actions: ['stall'], description: 'Race: a request reached the line being recalled; serve it after the recall (from memory).' },
    { from: RECALLING, event: ['PutS', 'PutSLast', 'PutOwner', 'PutNonOwner'], actions: ['sendPutAck'], description: 'Race: a Put crossed the recall; the cache also answers the recall, so just ack.' },
    { from: ['S_Recall_A', 'O_Recall_AD'], event: 'InvAck', actions: ['countRecallResponse'], description: 'A sharer is gone.' },
    { from: ['S_Recall_A'], event: 'LastInvAck', to: 'I', actions: ['countRecallResponse', 'finishRecall'], description: 'All copies gone, data home.' },
    { from: ['O_Recall_AD'], event: 'OwnerData', to: 'S_Recall_A', actions: ['writeMemory', 'countRecallResponse'], description: 'Data home; sharer acks still due.' },
    { from: ['EM_Recall_D', 'O_Recall_AD'], event: 'LastOwnerData', to: 'I', actions: ['writeMemory', 'countRecallResponse', 'finishRecall'], description: 'Data home, all copies gone.' },
  ],
  illegal: [
    { states: STABLE, events: RECALL_RESPONSES, why: 'Recall responses come only while a recall is in flight.' },
    { states: ['I', 'S'], events: ['GetMFromOwner', 'PutOwner'], why: 'There is no owner.' },
    { states: ['I', 'EM'], events: ['PutSLast'], why: 'There are no sharers.' },
    { states: ['S_Recall_A'], events: ['OwnerData', 'LastOwnerData'], why: 'The data is already home.' },
    { states: ['EM_Recall_D'], events: ['InvAck', 'LastInvAck', 'OwnerData'], why: 'No sharers were recalled; the owner\'s data is the only response due.' },
    { states: ['O_Recall_AD'], events: ['LastInvAck'], why: 'The owner\'s data is still due, so an ack cannot be last.' },
  ],
};
