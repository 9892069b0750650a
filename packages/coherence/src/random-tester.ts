/**
 * The random coherence tester (after gem5's Ruby random tester): many agents
 * (CPU and GPU caches), few lines to force sharing, replacement and races,
 * random stores of distinct values and loads checked by the monitor (SWMR,
 * data value), random page flushes checked against the last write, and the
 * deadlock watchdog. Same options → same run.
 */
import { Rng, nodeId, pfn, type NodeId, type Ps } from '@cdmsim/engine';
import { CoherentSystem, type CoherentSystemOptions } from './system.js';
import { smallTopology } from './small-topology.js';
import type { ProtocolTable } from './table.js';
import type { CacheEvent, CacheState } from './cache-states.js';
import type { CacheAction } from './cache-table.js';
import type { DirEvent, DirState } from './directory-states.js';
import type { DirAction } from './directory-table.js';
import type { CoherenceMsg, LineAddr } from './messages.js';

/** Random tester options. */
export interface RandomTesterOptions {
  readonly seed: number;
  /** Number of agents (caches); the first half are CPUs, the rest GPUs (at least 1 CPU). */
  readonly agents: number;
  /** Number of distinct lines (2 per page, spread over every home). */
  readonly lines: number;
  /** Total loads + stores across agents. */
  readonly ops: number;
  /** Fraction of ops that are stores (default 0.4). */
  readonly storeFraction?: number;
  /** Page flushes (recalls) per 100 ops (default 2). */
  readonly flushesPer100Ops?: number;
  /** Think time between an agent's ops, drawn from [0, maxThinkPs] (default 200 ns). */
  readonly maxThinkPs?: Ps;
  /** Per-message network jitter (default 300 ns). */
  readonly jitterPs?: Ps;
  readonly cacheSets?: number;
  readonly cacheWays?: number;
  readonly deadlockThresholdPs?: Ps;
  readonly cacheTable?: ProtocolTable<CacheState, CacheEvent, CacheAction>;
  readonly directoryTable?: ProtocolTable<DirState, DirEvent, DirAction>;
  readonly drop?: (msg: CoherenceMsg) => boolean;
  /** Hook point passed to the system (traces). */
  readonly onTransition?: CoherentSystemOptions['onTransition'];
}

/** What a random-tester run did. On failure `error` names the seed and `replay` the command that repeats the run. */
export interface RandomTesterReport {
  readonly ok: boolean;
  readonly seed: number;
  readonly loads: number;
  readonly stores: number;
  readonly flushes: number;
  readonly messages: number;
  readonly payloadBytes: number;
  readonly messagesByType: Readonly<Record<string, number>>;
  readonly events: number;
  readonly simulatedPs: Ps;
  readonly replay: string;
  readonly error?: { readonly name: string; readonly message: string };
}

/** Returns the replay command of a run. */
export function replayCommand(o: Pick<RandomTesterOptions, 'seed' | 'agents' | 'lines' | 'ops'>): string {
  return `npx cdmsim stress coherence --seed ${o.seed} --agents ${o.agents} --lines ${o.lines} --ops ${o.ops}`;
}

/** Returns the address of tester line `i`: two lines per page, page `i/2`, whose home is page mod nodes. */
export function testerLine(i: number, lineBytes: number, pageSizeBytes: number): LineAddr {
  return Math.floor(i / 2) * pageSizeBytes + (i % 2) * lineBytes;
}

/**
 * Runs the random tester. Never throws for a protocol failure: returns a report
 * with `ok: false`, the error (message includes the seed) and the replay command.
 */
export function runRandomTester(o: RandomTesterOptions): RandomTesterReport {
  const cpus = Math.max(1, Math.ceil(o.agents / 2));
  const topology = smallTopology({ cpus, gpus: o.agents - cpus, cacheSets: o.cacheSets ?? 1, cacheWays: o.cacheWays ?? 2 });
  const sys = new CoherentSystem({
    topology,
    seed: o.seed,
    jitterPs: o.jitterPs ?? 300_000,
    deadlockThresholdPs: o.deadlockThresholdPs ?? 100_000_000,
    ...(o.cacheTable ? { cacheTable: o.cacheTable } : {}),
    ...(o.directoryTable ? { directoryTable: o.directoryTable } : {}),
    ...(o.drop ? { drop: o.drop } : {}),
    ...(o.onTransition ? { onTransition: o.onTransition } : {}),
  });
  const rng = new Rng(o.seed, 0x7465);
  const lines = Array.from({ length: o.lines }, (_, i) => testerLine(i, sys.lineBytes, topology.pageSizeBytes));
  const pages = Math.ceil(o.lines / 2);
  const storeFraction = o.storeFraction ?? 0.4;
  const flushChance = (o.flushesPer100Ops ?? 2) / 100;
  const maxThink = o.maxThinkPs ?? 200_000;
  let issued = 0;
  let nextValue = 1;
  let flushes = 0;
  let flushing = 0;

  const step = (agent: NodeId): void => {
    if (issued >= o.ops) return;
    issued++;
    if (flushing === 0 && rng.chance(flushChance)) {
      flushing++;
      flushes++;
      sys.flushPage(pfn(rng.int(0, pages - 1)), () => flushing--);
    }
    const line = lines[rng.int(0, lines.length - 1)]!;
    const next = (): void => sys.schedule(rng.int(0, maxThink), () => step(agent));
    if (rng.chance(storeFraction)) sys.store(agent, line, nextValue++, next);
    else sys.load(agent, line, next);
  };

  let error: RandomTesterReport['error'];
  try {
    for (let a = 0; a < o.agents; a++) sys.schedule(rng.int(0, maxThink), () => step(nodeId(a)));
    sys.run();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    error = { name: err.name, message: `${err.message}\nseed ${o.seed}; replay: ${replayCommand(o)}` };
  }
  const stats = sys.networkStats!;
  return {
    ok: error === undefined,
    seed: o.seed,
    loads: sys.monitor.loads,
    stores: sys.monitor.stores,
    flushes,
    messages: stats.messages,
    payloadBytes: stats.payloadBytes,
    messagesByType: { ...stats.byType },
    events: sys.eventsProcessed,
    simulatedPs: sys.nowPs,
    replay: replayCommand(o),
    ...(error ? { error } : {}),
  };
}
