/**
 * @cdmsim/platform — what a simulated node is, built on the memory manager
 * (@cdmsim/mm) and the coherence protocol (@cdmsim/coherence) over a node
 * kernel (@cdmsim/kernel): the home agent of its memory (`memory/`), its
 * coherent cache and page coherence (`cache/`), the CPU side of processes,
 * migrations and faults (`host/`), the device driver (`device/`), and the
 * shared state every node worker attaches.
 */
export { memoryMap, MemoryRanges, PAGE_TYPE_OF, type MemoryRange } from './memory/memory-map.js';
export { HomeAgent, type HomeAgentStats } from './memory/home-agent.js';
export { PageMemory } from './memory/page-memory.js';
export { createSharedState, attachShared, attachPorts, RING_CAPACITY_BYTES, type SharedNeeds, type SharedHandles, type SharedState, type RingDirection } from './shared-state.js';
export type { NodeEnv, AttachedState } from './node-env.js';
export type { LineIndex } from './cache/line-index.js';
export { shrunkCacheSpec } from './cache/cache-spec.js';
export { BusNetwork } from './cache/bus-network.js';
export { toProto, fromProto } from './cache/coh-codec.js';
export { CoherentNode, type CoherentAccessRefusal, type CoherenceTrafficStats, type LineMemory } from './cache/coherent-node.js';
export { CrossWorkerMonitor } from './cache/cross-worker-monitor.js';
export { NodeWatchdog, MAX_COH_EVENTS_WITHOUT_PROGRESS, type NodeWatchdogOptions } from './cache/node-watchdog.js';
export { defaultWatchdogPs, missPs, watchdogOptions, MARGIN_MISSES_PER_AGENT } from './cache/watchdog-threshold.js';
export { PageLines, type CachedPageCounts } from './cache/page-lines.js';
export { WorkerPageCoherence, type PageCoherenceStats, type BusPageCoherence } from './cache/worker-page-coherence.js';
export { CoherentPages, type CoherentPagesStats } from './cache/coherent-pages.js';
export { createPageCaches, finishPageCaches, type PageCaches, type PageCachesReport, type PageCachesOptions } from './cache/page-caches.js';
export { NodeMigrations, type NodeMigrationStats, type MigrationDone } from './host/node-migrations.js';
export { RemoteDeviceMemory, type PendingDeviceFault } from './host/remote-device-memory.js';
export { createNodeMm, registerDeviceMemory, deviceResource, PID_STRIDE, MAPPING_ID_SHIFT, type MmSharedParts } from './mm/node-mm.js';
export { DeviceDriver, EVICT_BATCH_PAGES, type DriverStats, type DriverOptions } from './device/driver.js';
export { DeviceMmu, PAGES_PER_RANGE_FAULT, MAX_RANGE_FAULT_RETRIES, type DeviceMmuStats, type AccessResult } from './device/device-mmu.js';
export { DeviceFaultBuffer, DEVICE_FAULT_POLICIES, type DeviceFaultPolicy } from './device/device-fault-buffer.js';
export { planFaultBatch, type DeviceFault, type FaultRun, type FaultBatchPlan } from './device/fault-batch.js';
export { dmirrorSnapshotByte, DmirrorProt, type SnapshotContext } from './device/snapshot-entry.js';
export { MirrorTable, type MirrorEntry } from './device/mirror-table.js';
export { MirrorNotifier, INVALIDATE_EVENT_OF, type MirrorInvalidation, type MirrorNotifierStats } from './host/mirror-notifier.js';
export { Host, type PlacementRequest, type HostStats, type HostOptions, type AttachedDevice, type EvictionRequest } from './host/host.js';
export { ControlChannel, type ControlMessage } from './control.js';
export { DmirrorDevice, type DmirrorResult, type DmirrorRange } from './device/dmirror-device.js';
export { DeviceMigrations, type DeviceMigrationStats, type RangeMigrated } from './device/device-migrations.js';
export { UserMemory, type UserMemoryStats } from './host/user-memory.js';
