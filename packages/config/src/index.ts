/**
 * @cdmsim/config: the YAML configuration format — the machine (CPU nodes,
 * devices, links) and a workload section whose kinds come from a
 * `WorkloadCatalog`; parsing and validation with file:line:col messages,
 * resolution to ids / ps / bytes, the built-in default machine and the
 * JSON Schema for editors. The format cdmsim runs is built from the
 * workload registry of @cdmsim/workloads (`configFormat` there).
 */
export type { CacheSpec, CpuNodeSpec, DeviceNodeSpec, LinkKind, LinkSpec, MemoryKind, MemorySpec, NodeSpec, SimConfig, Topology, WorkloadSpec } from './types.js';
export { ConfigFormat } from './config-format.js';
export { loadSweepFile, sweepPoints, sweepFileSchema, MAX_SWEEP_POINTS, type SweepPlan, type SweepAxis, type SweepPointSpec } from './sweep-file.js';
export { parseOverride, applyOverrides, OVERRIDE_SOURCE, type ConfigOverride, type PathStep } from './overrides.js';
export { WorkloadCatalog, defineWorkloadConfig, type WorkloadConfigKind, type ParsedWorkload, type MachineContext } from './workload-catalog.js';
export { parseMachineYaml, readConfigText } from './load.js';
export { OBJECT_SOURCE, buildMachine, toConfigIssues } from './resolve.js';
export { psAsNs, fieldsOf, type DocumentContext, type Fields } from './document.js';
export { defaultTopology, DEFAULT_SOURCE, DEFAULT_MACHINE_YAML } from './default-topology.js';
export { ConfigValidationError, formatConfigIssue, formatFieldPath, type ConfigIssue, type PathIssue, type FieldPath } from './issues.js';
export { machineSchema, nodeNameField, sizeField, powerOfTwoSizeField, LINK_KINDS, DEVICE_MEMORY_KINDS, NAME_PATTERN, type MachineInput, type ParsedMachine } from './schema.js';
export { parseWithIssues, type IssueWording } from './schema-issues.js';
export { listNames } from './semantic-checks.js';
export { parseSizeBytes, formatBytes, SIZE_UNITS } from './units.js';

/** Path of the checked-in JSON Schema of the config format, relative to the repository root. */
export const JSON_SCHEMA_REPO_PATH = 'schema/cdmsim-config.schema.json';
