/**
 * Rules that relate several fields of a schema-valid config: names and link
 * endpoints, page and cache geometry, connectivity, coherent reach of CDM
 * devices. A workload kind checks its own references (`WorkloadConfigKind.check`).
 */
import { formatFieldPath, type FieldPath, type PathIssue } from './issues.js';
import type { ParsedMachine } from './schema.js';
import { formatBytes } from './units.js';

interface NamedNode {
  name: string;
  isCpu: boolean;
  path: FieldPath;
}

interface Edge {
  a: string;
  b: string;
  coherent: boolean;
}

/** Returns the name a link gets: its `name`, or "<a>-<b>" from its endpoints. */
export function effectiveLinkName(link: { name?: string | undefined; between: readonly [string, string] }): string {
  return link.name ?? `${link.between[0]}-${link.between[1]}`;
}

/** Returns `names` joined for a message, cut after `max` with ", ...". */
export const listNames = (names: readonly string[], max = 8) =>
  names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, ...`;

/** Returns the names reachable from `start` over `edges` (including `start`). */
function reachableFrom(start: string, edges: readonly Edge[]): Set<string> {
  const seen = new Set([start]);
  const queue = [start];
  for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
    for (const e of edges) {
      const other = e.a === n ? e.b : e.b === n ? e.a : undefined;
      if (other !== undefined && !seen.has(other)) {
        seen.add(other);
        queue.push(other);
      }
    }
  }
  return seen;
}

function checkNames(nodes: readonly NamedNode[]): PathIssue[] {
  const first = new Map<string, FieldPath>();
  const issues: PathIssue[] = [];
  for (const node of nodes) {
    const prev = first.get(node.name);
    if (prev) issues.push({ path: node.path, message: `duplicate node name "${node.name}" (already used by ${formatFieldPath(prev)})` });
    else first.set(node.name, node.path);
  }
  return issues;
}

/** Checks link names and endpoints; returns the issues and the links whose endpoints are valid. */
function checkLinks(config: ParsedMachine, nodes: readonly NamedNode[]): { issues: PathIssue[]; edges: Edge[] } {
  const known = new Set(nodes.map((n) => n.name));
  const issues: PathIssue[] = [];
  const edges: Edge[] = [];
  const linkNames = new Map<string, number>();
  const pairs = new Map<string, number>();
  config.links.forEach((link, i) => {
    const name = effectiveLinkName(link);
    const prevName = linkNames.get(name);
    if (prevName !== undefined) {
      const how = link.name === undefined ? ' (the default name from between; set name to tell them apart)' : '';
      issues.push({ path: ['links', i, link.name === undefined ? 'between' : 'name'], message: `duplicate link name "${name}" (already used by links[${prevName}])${how}` });
    } else linkNames.set(name, i);

    const [a, b] = link.between;
    let valid = true;
    link.between.forEach((end, k) => {
      if (!known.has(end)) {
        valid = false;
        issues.push({ path: ['links', i, 'between', k], message: `no node named "${end}" (known: ${listNames([...known])})` });
      }
    });
    if (a === b) {
      issues.push({ path: ['links', i, 'between'], message: `a link must join two different nodes (both ends are "${a}")` });
      return;
    }
    const pair = [a, b].sort().join('\u0000');
    const prevPair = pairs.get(pair);
    if (prevPair !== undefined) {
      issues.push({ path: ['links', i, 'between'], message: `links[${prevPair}] already joins "${a}" and "${b}"; at most one link per pair` });
    } else pairs.set(pair, i);
    if (valid) edges.push({ a, b, coherent: link.coherent });
  });
  return { issues, edges };
}

function checkGeometry(config: ParsedMachine): PathIssue[] {
  const page = config.pageSize;
  const issues: PathIssue[] = [];
  const memories = [
    ...config.cpus.map((c, i) => ({ base: ['cpus', i] as FieldPath, memory: c.dram, memoryKey: 'dram', cache: c.cache })),
    ...config.devices.map((d, i) => ({ base: ['devices', i] as FieldPath, memory: d.memory, memoryKey: 'memory', cache: d.cache })),
  ];
  for (const { base, memory, memoryKey, cache } of memories) {
    if (memory.size % page !== 0) {
      issues.push({ path: [...base, memoryKey, 'size'], message: `must be a multiple of pageSize ${formatBytes(page)} (got ${formatBytes(memory.size)})` });
    }
    const setBytes = cache.ways * cache.lineSize;
    if (cache.size % setBytes !== 0) {
      issues.push({
        path: [...base, 'cache', 'size'],
        message: `must be a multiple of ways × lineSize (${cache.ways} × ${formatBytes(cache.lineSize)} = ${formatBytes(setBytes)}) (got ${formatBytes(cache.size)})`,
      });
    }
    if (cache.lineSize > page) {
      issues.push({ path: [...base, 'cache', 'lineSize'], message: `must be at most pageSize ${formatBytes(page)} (got ${formatBytes(cache.lineSize)})` });
    }
  }
  return issues;
}

function checkReach(config: ParsedMachine, nodes: readonly NamedNode[], edges: readonly Edge[]): PathIssue[] {
  const issues: PathIssue[] = [];
  const first = nodes[0];
  if (first) {
    const reached = reachableFrom(first.name, edges);
    const unreachable = nodes.filter((n) => !reached.has(n.name)).map((n) => n.name);
    if (unreachable.length > 0) {
      issues.push({ path: ['links'], message: `the machine is not connected: ${listNames(unreachable, 20)} cannot be reached from ${first.name} through links` });
    }
  }
  const cpus = new Set(nodes.filter((n) => n.isCpu).map((n) => n.name));
  const coherent = edges.filter((e) => e.coherent);
  config.devices.forEach((device, i) => {
    if (device.memory.kind !== 'public') return;
    const reached = reachableFrom(device.name, coherent);
    if (![...reached].some((n) => cpus.has(n))) {
      issues.push({
        path: ['devices', i, 'memory', 'kind'],
        message: `device "${device.name}" has public (CDM) memory but no path of coherent links to any CPU; make its path to a CPU coherent or use kind: private`,
      });
    }
  });
  return issues;
}

/**
 * Returns every cross-field problem of a schema-valid machine (empty when it
 * is consistent): names, link endpoints, geometry, connectivity and
 * coherent reach. Workload checks belong to each workload kind.
 */
export function checkMachine(config: ParsedMachine): PathIssue[] {
  const nodes: NamedNode[] = [
    ...config.cpus.map((c, i) => ({ name: c.name, isCpu: true, path: ['cpus', i, 'name'] })),
    ...config.devices.map((d, i) => ({ name: d.name, isCpu: false, path: ['devices', i, 'name'] })),
  ];
  const links = checkLinks(config, nodes);
  return [...checkNames(nodes), ...links.issues, ...checkGeometry(config), ...checkReach(config, nodes, links.edges)];
}
