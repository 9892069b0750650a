/**
 * @cdmsim/node — the model of one simulated node (CPU node or device) as
 * it runs inside its worker: kernel, schedulers, memory home agent,
 * processes, workloads; plus the shared state every worker attaches.
 */
export { NodeWorker, type NodeInit, type NodeReport, type RunMode } from './node-worker.js';
export { createSharedState, attachPorts, RING_CAPACITY_BYTES, type SharedHandles, type SharedState, type RingDirection } from './shared-state.js';
export { NodeKernel, type KernelStats, type Body, type KernelOptions } from './kernel.js';
export { CausalityViolation, horizonDistances, runDeterministic, runFree, type SchedulerStats } from './schedulers.js';
export { REPLAY_CHECK_JITTER, scheduleJitter, type ScheduleJitter } from './schedule-jitter.js';
export { memoryMap, MemoryRanges, PAGE_TYPE_OF, type MemoryRange } from './memory-map.js';
export type { SharedBufferOutcome } from './workload/shared-buffer-process.js';
export { coherenceRandomOutcome, type WorkloadOutcome, type CoherenceRandomOutcome, type CoherenceNodeOutcome } from './workload/outcome.js';
export type { CoherenceNodeReport } from './coherence/coherence-workload.js';
export { litmusRunOutcome, type LitmusRunOutcome } from './workload/litmus-outcome.js';
export { litmusNodeOrder, type LitmusNodeReport } from './coherence/litmus-workload.js';
export { mmStressOutcome, type MmStressRunOutcome, type MmStressCpuOutcome, type MmStressDeviceOutcome } from './mm/mm-stress-outcome.js';
export type { MmStressCpuStats } from './mm/mm-stress-cpu.js';
export type { MmStressDeviceStats } from './mm/mm-stress-device.js';
export { LitmusSetupError } from './coherence/litmus-agent.js';
export type { DeviceWorkloadStats } from './workload/shared-buffer-device.js';
export type { HomeAgentStats } from './memory/home-agent.js';
export type { ProcessHostStats } from './cpu/process-host.js';
export { TraceRecorder, type TraceEvent } from './trace.js';
export { Timeline, type TimelineSample } from './timeline.js';
export { CoherentPages, type CoherentPagesStats } from './mm/coherent-pages.js';
export { MAX_COH_EVENTS_WITHOUT_PROGRESS } from './coherence/node-watchdog.js';
export { defaultWatchdogPs, missPs, watchdogOptions } from './coherence/watchdog-threshold.js';
