/**
 * Test fixture: builds a small coherent system (2 CPUs, 2 GPUs by default)
 * and runs agent operations to completion. Shared by the unit tests so that
 * no test copies setup code.
 */
import { nodeId, type Ps } from '@cdmsim/engine';
import { CoherentSystem, type CoherentSystemOptions } from './system.js';
import { smallTopology, type SmallTopologyOptions } from './small-topology.js';
import type { LineAddr } from './messages.js';

/** Builds a system on a small topology; `options` override system options. */
export function buildSystem(shape: Partial<SmallTopologyOptions> = {}, options: Partial<CoherentSystemOptions> = {}): CoherentSystem {
  const topology = smallTopology({ cpus: 2, gpus: 2, ...shape });
  return new CoherentSystem({ topology, seed: 1, ...options });
}

/** Returns the address of line `index` of page `page`. */
export function lineAt(sys: CoherentSystem, page: number, index = 0): LineAddr {
  return page * sys.topology.pageSizeBytes + index * sys.lineBytes;
}

/** Performs one load and runs the system until idle; returns the value and the latency. */
export function loadNow(sys: CoherentSystem, agent: number, line: LineAddr): { value: number; latencyPs: Ps } {
  const start = sys.nowPs;
  let result: { value: number; latencyPs: Ps } | undefined;
  const refused = sys.load(nodeId(agent), line, (value, at) => (result = { value, latencyPs: at - start }));
  if (refused) throw new Error(refused);
  sys.run();
  if (!result) throw new Error('load did not complete');
  return result;
}

/** Performs one store and runs the system until idle; returns the latency. */
export function storeNow(sys: CoherentSystem, agent: number, line: LineAddr, value: number): Ps {
  const start = sys.nowPs;
  let latency: Ps | undefined;
  const refused = sys.store(nodeId(agent), line, value, (_v, at) => (latency = at - start));
  if (refused) throw new Error(refused);
  sys.run();
  if (latency === undefined) throw new Error('store did not complete');
  return latency;
}
