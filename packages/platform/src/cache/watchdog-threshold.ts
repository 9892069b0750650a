/**
 * The coherence watchdog's default threshold, from the topology.
 *
 * Unit: one miss across the machine's longest path, `missPs`: request and
 * data each cross the largest lowest-latency path between two nodes, plus
 * the slowest memory and the slowest cache hit. A healthy transaction waits
 * at most for the other agents' transactions on its line to go first (each
 * a few such misses: forward, data, invalidation acks) and for a recall, so
 * its latency grows with agents × missPs.
 *
 * How the margin was chosen: on the built-in machine (6 nodes, missPs =
 * 845 ns) the longest transaction (load, store, recall or writeback)
 * measured in healthy runs took
 *  - deterministic mode: 1.24 µs (coherence-random seeds 1..8 with the
 *    default 3 lines, with 4 lines and 2-line caches, with 1 line and 90%
 *    stores, with 2 lines, 1-line caches and 50 recalls per 100 ops; every
 *    litmus test seeds 1..8: at most 0.64 µs);
 *  - free mode: 59 µs, with 3000 ops per node and two simulations sharing
 *    the 2-core host (25 µs for 500 ops alone; litmus at most 1.9 µs). Free
 *    mode's ages are mostly clock skew between workers: a node's clock jumps
 *    to the time stamp of a message from a node that ran ahead.
 * The default, agents × 1000 × missPs = 5.07 ms on that machine, is about
 * 4000 times the deterministic worst and 85 times the free-mode worst.
 * A run that needs more (very long free-mode runs on an overloaded host)
 * sets `watchdogPs`.
 */
import type { Ps } from '@cdmsim/engine';
import type { Topology } from '@cdmsim/config';
import { RoutingTable } from '@cdmsim/bus';
import type { NodeWatchdogOptions } from './node-watchdog.js';

/** Multiple of agents × missPs that the default threshold allows a transaction (see the file comment). */
export const MARGIN_MISSES_PER_AGENT = 1000;

/** The timer checks at least once per this many misses while a transaction is open. */
const PERIOD_MISSES = 8;

/** Returns one miss across the longest path of `topology` (see the file comment), in ps. */
export function missPs(topology: Topology): Ps {
  const routing = new RoutingTable(topology);
  let maxPathPs = 0;
  for (const a of topology.nodes) for (const b of topology.nodes) if (a.id !== b.id) maxPathPs = Math.max(maxPathPs, routing.pathLatencyPs(a.id, b.id));
  const maxMemoryPs = Math.max(...topology.nodes.map((n) => n.memory.latencyPs));
  const maxHitPs = Math.max(...topology.nodes.map((n) => n.cache.hitLatencyPs));
  return 2 * maxPathPs + maxMemoryPs + maxHitPs;
}

/** Returns the default threshold of `topology`: agents × MARGIN_MISSES_PER_AGENT × missPs. */
export function defaultWatchdogPs(topology: Topology): Ps {
  return topology.nodes.length * MARGIN_MISSES_PER_AGENT * missPs(topology);
}

/**
 * Returns the watchdog options of a node: threshold `watchdogPs` (the
 * workload's override) or the default, a timer period of a few misses (so
 * the last check after the run's last transaction adds little simulated
 * time), and whether to arm the timer (`timer`: deterministic mode only).
 */
export function watchdogOptions(topology: Topology, watchdogPs: Ps | undefined, timer: boolean): NodeWatchdogOptions {
  const thresholdPs = watchdogPs ?? defaultWatchdogPs(topology);
  return { thresholdPs, periodPs: Math.max(1, Math.min(thresholdPs, PERIOD_MISSES * missPs(topology))), timer };
}
