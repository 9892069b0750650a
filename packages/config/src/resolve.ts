/**
 * The validation pipeline (schema, then semantic checks) and the conversion
 * of a valid config to the resolved {@link SimConfig}.
 */
import { linkId, nodeId, nsToPs, type NodeId } from '@cdmsim/engine';
import { ConfigValidationError, formatFieldPath, type ConfigIssue, type PathIssue } from './issues.js';
import type { ParsedConfig } from './schema.js';
import { checkSchema } from './schema-issues.js';
import { checkSemantics, effectiveLinkName } from './semantic-checks.js';
import type { CacheSpec, CpuNodeSpec, DeviceNodeSpec, LinkSpec, SimConfig, WorkloadSpec } from './types.js';
import type { Locator } from './yaml-positions.js';

/** The `source` of configs given as objects to {@link resolveConfig}. */
export const OBJECT_SOURCE = '<object>';

const cacheSpec = (c: ParsedConfig['cpus'][number]['cache']): CacheSpec => ({
  sizeBytes: c.size,
  ways: c.ways,
  lineBytes: c.lineSize,
  hitLatencyPs: nsToPs(c.hitLatencyNs),
});

/** Returns the resolved spec of a parsed workload section (`id` maps checked node names to ids). */
export function workloadSpec(w: ParsedConfig['workload'], id: (name: string) => NodeId): WorkloadSpec {
  if (w.kind === 'coherence-random') {
    return {
      kind: w.kind,
      lines: w.lines,
      opsPerNode: w.opsPerNode,
      storeFraction: w.storeFraction,
      maxThinkPs: nsToPs(w.maxThinkNs),
      flushesPer100Ops: w.flushesPer100Ops,
      ...(w.cacheLines !== undefined ? { cacheLines: w.cacheLines } : {}),
      ...(w.watchdogPs !== undefined ? { watchdogPs: w.watchdogPs } : {}),
      ...(w.testOnlyBrokenProtocol !== undefined ? { testOnlyBrokenProtocol: w.testOnlyBrokenProtocol } : {}),
    };
  }
  if (w.kind === 'mm-stress') {
    return {
      kind: w.kind,
      opsPerCpu: w.opsPerCpu,
      processesPerCpu: w.processesPerCpu,
      ramPagesPerCpu: w.ramPagesPerCpu,
      devicePages: w.devicePages,
      memcgLimitPages: w.memcgLimitPages,
      evictBelowFreePages: w.evictBelowFreePages,
      maxThinkPs: nsToPs(w.maxThinkNs),
      caches: w.caches,
      cacheLines: w.cacheLines,
      ...(w.testOnlySabotage !== undefined ? { testOnlySabotage: w.testOnlySabotage } : {}),
    };
  }
  if (w.kind === 'litmus') {
    return {
      kind: w.kind,
      test: w.test,
      maxStartPs: nsToPs(w.maxStartNs),
      maxThinkPs: nsToPs(w.maxThinkNs),
      ...(w.cacheLines !== undefined ? { cacheLines: w.cacheLines } : {}),
      ...(w.watchdogPs !== undefined ? { watchdogPs: w.watchdogPs } : {}),
    };
  }
  return {
    kind: w.kind,
    process: w.process === undefined ? nodeId(0) : id(w.process),
    bufferBytes: w.bufferSize,
    accessBytes: w.accessSize,
    accessesPerDevice: w.accessesPerDevice,
    writeFraction: w.writeFraction,
    overlap: w.overlap,
    thinkTimePs: nsToPs(w.thinkTimeNs),
  };
}

/** Converts a schema-valid, semantically checked config to ids, picoseconds and bytes. */
function build(config: ParsedConfig, source: string): SimConfig {
  const cpus = config.cpus.map(
    (c, i): CpuNodeSpec => ({
      id: nodeId(i),
      kind: 'cpu',
      name: c.name,
      cores: c.cores,
      faultLatencyPs: nsToPs(c.faultLatencyNs),
      memory: { sizeBytes: c.dram.size, latencyPs: nsToPs(c.dram.latencyNs), bandwidthBytesPerNs: c.dram.bandwidthGBps, kind: 'system' },
      cache: cacheSpec(c.cache),
    }),
  );
  const devices = config.devices.map(
    (d, i): DeviceNodeSpec => ({
      id: nodeId(cpus.length + i),
      kind: d.kind,
      name: d.name,
      memory: { sizeBytes: d.memory.size, latencyPs: nsToPs(d.memory.latencyNs), bandwidthBytesPerNs: d.memory.bandwidthGBps, kind: d.memory.kind },
      cache: cacheSpec(d.cache),
      faultLatencyPs: nsToPs(d.faultLatencyNs),
      copyBandwidthBytesPerNs: d.copyBandwidthGBps,
    }),
  );
  const nodes = [...cpus, ...devices];
  const idOf = new Map(nodes.map((n) => [n.name, n.id]));
  const id = (name: string): NodeId => idOf.get(name) as NodeId; // names were checked by checkSemantics
  const links = config.links.map(
    (l, i): LinkSpec => ({
      id: linkId(i),
      name: effectiveLinkName(l),
      a: id(l.between[0]),
      b: id(l.between[1]),
      kind: l.kind,
      latencyPs: nsToPs(l.latencyNs),
      bandwidthBytesPerNs: l.bandwidthGBps,
      headerBytes: l.headerBytes,
      coherent: l.coherent,
    }),
  );
  return {
    topology: { name: config.name, pageSizeBytes: config.pageSize, nodes, cpus, devices, links },
    workload: workloadSpec(config.workload, id),
    source,
  };
}

/** Returns the issues as {@link ConfigIssue}s for `file`, with positions and in file order when a locator is given. */
export function toConfigIssues(issues: readonly PathIssue[], file: string, locate?: Locator): ConfigIssue[] {
  const located = issues.map((issue) => ({
    file,
    ...locate?.(issue.path, issue.at),
    path: formatFieldPath(issue.path),
    message: issue.message,
  }));
  // In file order when positions are known (Array.prototype.sort is stable).
  return located.sort((x, y) => (x.line ?? 0) - (y.line ?? 0) || (x.column ?? 0) - (y.column ?? 0));
}

/**
 * Validates a plain value in the YAML shape and resolves it. Callers provide
 * the value, the name to report problems against, and optionally a locator
 * that maps field paths to positions in the text the value came from.
 * Throws {@link ConfigValidationError} listing every schema problem or, when
 * the shape is valid, every semantic problem.
 */
export function validateAndResolve(raw: unknown, source: string, locate?: Locator): SimConfig {
  const schema = checkSchema(raw);
  const issues = schema.ok ? checkSemantics(schema.config) : schema.issues;
  if (!schema.ok || issues.length > 0) throw new ConfigValidationError(toConfigIssues(issues, source, locate));
  return build(schema.config, source);
}

/**
 * Resolves a config given as a plain object in the YAML shape (for
 * programmatic use). Problems name the field path but carry no line numbers.
 * Throws `ConfigError` ({@link ConfigValidationError}) when invalid.
 */
export function resolveConfig(raw: unknown, source: string = OBJECT_SOURCE): SimConfig {
  return validateAndResolve(raw, source);
}
