/**
 * The validation pipeline (schema, then semantic checks of the machine and
 * of the workload) and the conversion of a valid config to the resolved
 * {@link SimConfig}.
 */
import { linkId, nodeId, nsToPs, type NodeId } from '@cdmsim/engine';
import { ConfigValidationError, formatFieldPath, type ConfigIssue, type PathIssue } from './issues.js';
import type { ParsedMachine } from './schema.js';
import { parseWithIssues } from './schema-issues.js';
import { checkMachine, effectiveLinkName } from './semantic-checks.js';
import type { CacheSpec, CpuNodeSpec, DeviceNodeSpec, LinkSpec, SimConfig, Topology } from './types.js';
import type { MachineContext, WorkloadCatalog } from './workload-catalog.js';
import type { Locator } from './yaml-positions.js';
import type { z } from 'zod';

/** The `source` of configs given as objects. */
export const OBJECT_SOURCE = '<object>';

const cacheSpec = (c: ParsedMachine['cpus'][number]['cache']): CacheSpec => ({
  sizeBytes: c.size,
  ways: c.ways,
  lineBytes: c.lineSize,
  hitLatencyPs: nsToPs(c.hitLatencyNs),
});

/** Converts a schema-valid, semantically checked machine to ids, picoseconds and bytes; returns it with its name → id lookup. */
export function buildMachine(config: ParsedMachine): MachineContext {
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
      faultBatchSize: d.faultBatchSize,
      perFaultLatencyPs: nsToPs(d.perFaultLatencyNs),
      copyBandwidthBytesPerNs: d.copyBandwidthGBps,
    }),
  );
  const nodes = [...cpus, ...devices];
  const idOf = new Map(nodes.map((n) => [n.name, n.id]));
  const id = (name: string): NodeId => idOf.get(name) as NodeId; // names were checked by checkMachine
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
  const topology: Topology = { name: config.name, pageSizeBytes: config.pageSize, nodes, cpus, devices, links };
  return { topology, nodeId: id };
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
 * Validates a plain value in the YAML shape against `schema` (a whole config
 * with the workloads of `catalog`) and resolves it. `source` names the file
 * (or object) in messages; `locate` maps field paths to positions in the
 * text the value came from. Returns the resolved config.
 * @throws ConfigValidationError listing every schema problem or, when the shape is valid, every semantic problem (machine and workload).
 */
export function validateAndResolve(raw: unknown, source: string, schema: z.ZodType, catalog: WorkloadCatalog, locate?: Locator): SimConfig {
  const parsed = parseWithIssues(schema, raw, [], { kindsText: catalog.kindsText });
  if (!parsed.ok) throw new ConfigValidationError(toConfigIssues(parsed.issues, source, locate));
  const config = parsed.value as ParsedMachine & { workload: { kind: string } };
  const issues = [...checkMachine(config), ...catalog.check(config, config.workload)];
  if (issues.length > 0) throw new ConfigValidationError(toConfigIssues(issues, source, locate));
  const machine = buildMachine(config);
  return { topology: machine.topology, workload: catalog.resolve(config.workload, machine), source };
}

/**
 * Validates and resolves a machine without a workload (plain value in the
 * YAML shape): returns its topology.
 * @throws ConfigValidationError listing every problem (a `workload` field is an unknown field here).
 */
export function validateMachine(raw: unknown, source: string, schema: z.ZodType, locate?: Locator): Topology {
  const parsed = parseWithIssues(schema, raw);
  const issues = parsed.ok ? checkMachine(parsed.value as ParsedMachine) : parsed.issues;
  if (!parsed.ok || issues.length > 0) throw new ConfigValidationError(toConfigIssues(issues, source, locate));
  return buildMachine(parsed.value as ParsedMachine).topology;
}
