/**
 * @cdmsim/kernel — the per-node discrete-event kernel every simulated node
 * runs in its worker: the node's clock and events, sending and forwarding
 * envelopes, one handler per body kind, pending replies, the two
 * schedulers (deterministic rounds, free), trace and timeline.
 */
export { NodeKernel, type KernelStats, type Body, type KernelOptions, type EnvelopeHandler } from './kernel.js';
export { CausalityViolation, horizonDistances, runDeterministic, runFree, type SchedulerStats, type SchedulerParts } from './schedulers.js';
export { REPLAY_CHECK_JITTER, scheduleJitter, type ScheduleJitter } from './schedule-jitter.js';
export { PendingReplies } from './pending-replies.js';
export { MESSAGE_PORTS, receiverOf, renderMessagePorts, type Port } from './message-ports.js';
export { TraceRecorder, type TraceEvent } from './trace.js';
export { Timeline, type TimelineSample } from './timeline.js';

/** The two run modes (see schedulers.ts). */
export type RunMode = 'deterministic' | 'free';
