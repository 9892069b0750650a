/**
 * Which worker thread hosts which simulated node. Free mode and the default
 * deterministic run put every node in a worker of its own; sequential mode
 * puts them all in one; `--workers N` partitions the nodes over N workers
 * along the machine's sockets: each device goes with the CPU node it is
 * nearest to (most of its traffic is with that node's memory), the socket
 * groups are spread over the workers largest first (LPT), and when there
 * are more workers than sockets the largest groups are split.
 * `--partition` names the groups instead (as SST's partitioners let a user
 * place components by hand), for machines whose load the socket rule
 * cannot see. Nodes that share a worker hand each other envelopes
 * directly; only traffic between workers is encoded and crosses the rings.
 */
import { ConfigError, type NodeId } from '@cdmsim/engine';
import type { Topology } from '@cdmsim/config';
import { RoutingTable } from '@cdmsim/bus';
import type { RunMode } from '@cdmsim/kernel';

/** How many workers a run asks for: a count, or `auto` = min(host cores, nodes). */
export type WorkerCount = number | 'auto';

/**
 * Returns the number of worker threads for a run of `nodes` nodes in
 * `mode`: 1 in sequential mode, one per node in free mode and by default,
 * min(`cores`, nodes) for `auto`, else `workers` (at most one per node).
 * @throws ConfigError when `workers` is not a positive integer or `auto`, or when a count is given for free or sequential mode.
 */
export function workerCountFor(mode: RunMode, nodes: number, cores: number, workers?: WorkerCount): number {
  if (workers !== undefined && workers !== 'auto' && !(Number.isInteger(workers) && workers >= 1)) {
    throw new ConfigError(`--workers: expected a positive integer or "auto", got ${String(workers)}`);
  }
  if (mode === 'sequential') {
    if (workers !== undefined && workers !== 1) throw new ConfigError(`--workers ${String(workers)}: sequential mode runs every node in one thread`);
    return 1;
  }
  if (mode === 'free') {
    if (workers !== undefined && workers !== nodes) throw new ConfigError(`--workers ${String(workers)}: free mode runs one worker per node (${nodes})`);
    return nodes;
  }
  if (workers === undefined) return nodes;
  if (workers === 'auto') return Math.max(1, Math.min(cores, nodes));
  return Math.min(workers, nodes);
}

/**
 * Returns `workerOf` for a run: `partition` when given (see
 * `parsePartition`), else `partitionNodes` over `workerCountFor` workers.
 * @throws ConfigError when `partition` is given outside deterministic mode or together with `workers`, or is not a partition of the nodes; see also `workerCountFor`.
 */
export function workersOfRun(mode: RunMode, topology: Topology, cores: number, workers?: WorkerCount, partition?: string): number[] {
  if (partition === undefined) return partitionNodes(topology, workerCountFor(mode, topology.nodes.length, cores, workers));
  if (mode !== 'deterministic') throw new ConfigError(`--partition: only deterministic mode groups nodes on workers (${mode} mode runs ${mode === 'sequential' ? 'every node in one thread' : 'one worker per node'})`);
  if (workers !== undefined) throw new ConfigError(`give --workers or --partition, not both (--partition already says how many workers: one per group)`);
  return parsePartition(partition, topology);
}

/**
 * Returns `workerOf` for the partition `spec` of `topology`'s nodes:
 * groups separated by commas, the nodes of a group joined by `+`
 * (`cpu0+gpu0,cpu1+gpu1+gpu2+gpu3`); group i runs on worker i. Spaces
 * around names are ignored.
 * @throws ConfigError naming what is wrong: an empty group, an unknown node, a node in two groups or in none.
 */
export function parsePartition(spec: string, topology: Topology): number[] {
  const known = new Map(topology.nodes.map((n) => [n.name, n.id]));
  const workerOf = new Array<number>(topology.nodes.length).fill(-1);
  const groups = spec.split(',').map((g) => g.split('+').map((name) => name.trim()));
  groups.forEach((names, worker) => {
    if (names.some((name) => name === '')) throw new ConfigError(`--partition ${spec}: group ${worker + 1} has an empty node name (groups are separated by commas, nodes by +)`);
    for (const name of names) {
      const id = known.get(name);
      if (id === undefined) throw new ConfigError(`--partition ${spec}: no node named "${name}" (known: ${[...known.keys()].join(', ')})`);
      if (workerOf[id] !== -1) throw new ConfigError(`--partition ${spec}: node ${name} is in two groups`);
      workerOf[id] = worker;
    }
  });
  const missing = topology.nodes.filter((n) => workerOf[n.id] === -1).map((n) => n.name);
  if (missing.length > 0) throw new ConfigError(`--partition ${spec}: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} in no group (every node must be in one)`);
  return workerOf;
}

/**
 * Returns `workerOf`: the worker (0..`workers`-1) hosting each node of
 * `topology`, every worker hosting at least one node, workers numbered in
 * the order of their lowest node. Deterministic: depends only on the
 * topology and `workers`.
 */
export function partitionNodes(topology: Topology, workers: number): number[] {
  const n = topology.nodes.length;
  if (workers >= n) return topology.nodes.map((_, i) => i);
  const groups = socketGroups(topology);
  // Split the largest group (its second half) until there are enough groups.
  while (groups.length < workers) {
    groups.sort((a, b) => b.length - a.length || a[0]! - b[0]!);
    const big = groups[0]!;
    groups.push(big.splice(Math.ceil(big.length / 2)));
  }
  // Largest group first onto the least loaded worker (ties: lowest worker).
  groups.sort((a, b) => b.length - a.length || a[0]! - b[0]!);
  const bins: NodeId[][] = Array.from({ length: workers }, () => []);
  for (const g of groups) {
    let best = 0;
    for (let w = 1; w < workers; w++) if (bins[w]!.length < bins[best]!.length) best = w;
    bins[best]!.push(...g);
  }
  for (const b of bins) b.sort((x, y) => x - y);
  bins.sort((x, y) => x[0]! - y[0]!);
  const workerOf = new Array<number>(n).fill(0);
  bins.forEach((b, w) => {
    for (const node of b) workerOf[node] = w;
  });
  return workerOf;
}

/** The nodes of each CPU socket: the CPU node and the devices nearest to it (ties: lowest CPU). */
function socketGroups(topology: Topology): NodeId[][] {
  const routing = new RoutingTable(topology);
  const cpus = topology.nodes.filter((s) => s.kind === 'cpu').map((s) => s.id);
  if (cpus.length === 0) return topology.nodes.map((s) => [s.id]);
  const groups = new Map<NodeId, NodeId[]>(cpus.map((c) => [c, [c]]));
  for (const node of topology.nodes) {
    if (node.kind === 'cpu') continue;
    let nearest = cpus[0]!;
    for (const c of cpus) if (routing.pathLatencyPs(node.id, c) < routing.pathLatencyPs(node.id, nearest)) nearest = c;
    groups.get(nearest)!.push(node.id);
  }
  return [...groups.values()].map((g) => g.sort((a, b) => a - b));
}

/** Returns the nodes of each worker under `workerOf`, in node order. */
export function nodesOfWorkers(workerOf: readonly number[]): NodeId[][] {
  const workers = Math.max(...workerOf) + 1;
  const out: NodeId[][] = Array.from({ length: workers }, () => []);
  workerOf.forEach((w, node) => out[w]!.push(node as NodeId));
  return out;
}
