/**
 * @cdmsim/kernel — the per-node discrete-event kernel every simulated node
 * runs in its worker: the node's clock and events, sending and forwarding
 * envelopes, one handler per body kind, pending replies, the two
 * schedulers (deterministic rounds, free), trace and timeline.
 */
export { NodeKernel, ReactionViolation, type KernelStats, type Body, type KernelOptions, type EnvelopeHandler, type Outbox, type RunBound } from './kernel.js';
export { horizonDistances } from './lookahead.js';
export { CausalityViolation, emptySchedulerStats, GroupOutbox, runDeterministic, runFree, runSequential, type GroupMember, type SchedulerStats, type SchedulerParts } from './schedulers.js';
export { REPLAY_CHECK_JITTER, scheduleJitter, type ScheduleJitter } from './schedule-jitter.js';
export { PendingReplies } from './pending-replies.js';
export { MESSAGE_PORTS, reactionDelaysPs, receiverOf, renderMessagePorts, type Port } from './message-ports.js';
export { TraceRecorder, type TraceEvent } from './trace.js';
export { Timeline, type TimelineSample } from './timeline.js';

/**
 * The run modes (see schedulers.ts): `sequential` (one thread runs every
 * node's events in global time order: the reference), `deterministic` (the same
 * rounds on parallel workers: identical results) and `free` (one worker per
 * node, real races).
 */
export type RunMode = 'sequential' | 'deterministic' | 'free';

/**
 * What model code sees of the run mode: whether the order of events is
 * reproducible (`deterministic`, in sequential and deterministic mode) or
 * left to thread timing (`free`). Model code never tells the two
 * deterministic engines apart, so their results cannot differ by design.
 */
export type EventOrder = 'deterministic' | 'free';

/** Returns the event order model code runs under in `mode`. */
export function eventOrderOf(mode: RunMode): EventOrder {
  return mode === 'free' ? 'free' : 'deterministic';
}
