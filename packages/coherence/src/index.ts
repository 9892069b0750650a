/**
 * @cdmsim/coherence: the MOESI directory protocol between CPU and GPU caches,
 * written as tables (cache, directory), with pure controllers, an injected
 * network, an invariant monitor, a deadlock watchdog, a random tester and
 * litmus tests. See README.md and docs/coherence-tables.md.
 */
export type { LineAddr, Unit, Endpoint, MsgType, CoherenceMsg } from './messages.js';
export { CONTROL_PAYLOAD_BYTES, DATA_MESSAGES, payloadBytes, vnetOf, endpointKey, pairKey, formatEndpoint } from './messages.js';
export type { AccessPermission, StateSpec, EventSpec, Transition, IllegalPairs, ProtocolTable, CompletenessIssue } from './table.js';
export { TableIndex, checkCompleteness, tableSize, renderMarkdown, withoutAction, fire, formatLine, stateNames, grantsAccess } from './table.js';
export { CacheArray } from './cache-array.js';
export { CACHE_STATES, CACHE_EVENTS, STABLE_CACHE_STATES, TRANSIENT_CACHE_STATES, REPLACEABLE_CACHE_STATES, cachePermission, type CacheState, type CacheEvent } from './cache-states.js';
export { CACHE_TABLE, type CacheAction } from './cache-table.js';
export type { CoreOp, CacheLineRecord, CacheEffect } from './cache-actions.js';
export { CacheController, type CacheControllerOptions, type CacheStep, type TransitionRecord } from './cache-controller.js';
export { DIR_STATES, DIR_EVENTS, STABLE_DIR_STATES, RECALL_STATES, type DirState, type DirEvent } from './directory-states.js';
export { DIRECTORY_TABLE, type DirAction } from './directory-table.js';
export type { DirLineRecord, DirEffect } from './directory-actions.js';
export { DirectoryController, type DirectoryControllerOptions, type DirStep } from './directory-controller.js';
export { DeterministicNetwork, fixedLatency, topologyLatency, type Network, type DeliverFn, type LatencyModel, type NetworkStats, type DeterministicNetworkOptions } from './network.js';
export { CoherenceMonitor } from './monitor.js';
export { ProgressWatchdog, DeadlockError, type DeadlockReport, type StuckTransaction } from './deadlock.js';
export type { CoherenceHost, CoherenceChecks, TransactionWatchdog, LineMemory } from './coherence-host.js';
export { NodeCoherence, type NodeCoherenceOptions, type AccessRefusal } from './node-coherence.js';
export { CoherentSystem, homeByPfn, type CoherentSystemOptions } from './system.js';
export { smallTopology, type SmallTopologyOptions } from './small-topology.js';
export { runRandomTester, replayCommand, testerLine, type RandomTesterOptions, type RandomTesterReport } from './random-tester.js';
export { LITMUS_TESTS, litmusTest, litmusLocations, litmusOutcomeKey, runLitmus, runLitmusSeeds, type LitmusTest, type LitmusInstr, type LitmusOutcome, type LitmusReport, type LitmusRunOptions } from './litmus.js';
export { renderCoherenceTables, TABLES_DOC_PATH } from './tables-doc.js';
export { brokenProtocol, BROKEN_PROTOCOLS, BROKEN_PROTOCOL_NAMES, type BrokenProtocolName, type ProtocolTables } from './broken-protocols.js';
