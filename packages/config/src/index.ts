/**
 * @cdmsim/config: the YAML topology configuration format — parsing,
 * validation with file:line:col messages, resolution to ids / ps / bytes,
 * the built-in default machine and the JSON Schema for editors.
 */
export type {
  CacheSpec,
  CpuNodeSpec,
  DeviceNodeSpec,
  LinkKind,
  LinkSpec,
  MemoryKind,
  MemorySpec,
  NodeSpec,
  SimConfig,
  Topology,
  WorkloadSpec,
  SharedBufferWorkloadSpec,
  CoherenceRandomWorkloadSpec,
  BrokenProtocolName,
  LitmusWorkloadSpec,
  LitmusTestName,
  MmStressWorkloadSpec,
  MmStressSabotageName,
} from './types.js';
export { loadConfigFile, parseConfigYaml } from './load.js';
export { resolveConfig, OBJECT_SOURCE } from './resolve.js';
export { defaultConfig, DEFAULT_SOURCE, DEFAULT_TOPOLOGY_YAML } from './default-topology.js';
export { ConfigValidationError, formatConfigIssue, formatFieldPath, type ConfigIssue } from './issues.js';
export { topologyJsonSchema, topologyJsonSchemaText, JSON_SCHEMA_REPO_PATH } from './json-schema.js';
export { configSchema, LINK_KINDS, DEVICE_MEMORY_KINDS, BROKEN_PROTOCOL_NAMES, LITMUS_TEST_NAMES, MAX_COHERENCE_LINES, MAX_COHERENCE_CACHE_LINES, MAX_COHERENCE_OPS_PER_NODE, type ConfigInput } from './schema.js';
export { MAX_COHERENCE_NODES } from './semantic-checks.js';
export { parseSizeBytes, formatBytes, SIZE_UNITS } from './units.js';
export { sharedBufferSpec, coherenceRandomWorkload, litmusWorkload } from './workload-specs.js';
