/**
 * Which worker thread hosts which simulated node. Free mode and the default
 * deterministic run put every node in a worker of its own; sequential mode
 * puts them all in one; `--workers N` partitions the nodes over N workers
 * along the machine's sockets: each device goes with the CPU node it is
 * nearest to (most of its traffic is with that node's memory), the socket
 * groups are spread over the workers largest first (LPT), and when there
 * are more workers than sockets the largest groups are split. Nodes that
 * share a worker hand each other envelopes directly; only traffic between
 * workers is encoded and crosses the rings.
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
