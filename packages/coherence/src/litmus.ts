/**
 * Litmus tests for per-location coherence across CPU and GPU agents (CoRR,
 * CoWW, CoRW, CoWR) and message passing with fences. Each run places threads
 * on CPU and GPU caches of a small machine, warms caches randomly, starts the
 * threads at seeded random times with seeded think times and network jitter,
 * and returns the outcome (registers and final values). Forbidden outcomes
 * must never appear over many seeds.
 */
import { ConfigError, Rng, nodeId, type NodeId, type Ps } from '@cdmsim/engine';
import { CoherentSystem } from './system.js';
import { smallTopology } from './small-topology.js';
import type { LineAddr } from './messages.js';

/** One instruction of a litmus thread. Locations are names; registers are names. */
export type LitmusInstr =
  | { readonly op: 'st'; readonly loc: string; readonly value: number }
  | { readonly op: 'ld'; readonly loc: string; readonly reg: string }
  | { readonly op: 'fence' };

/** A litmus test: threads and the predicate of forbidden outcomes. */
export interface LitmusTest {
  readonly name: string;
  readonly description: string;
  readonly threads: readonly (readonly LitmusInstr[])[];
  /** Returns true for an outcome the memory model forbids. `final` holds each location's last value in coherence order. */
  readonly forbidden: (regs: Readonly<Record<string, number>>, final: Readonly<Record<string, number>>) => boolean;
}

/** An outcome: registers, final values, and a canonical key for histograms. */
export interface LitmusOutcome {
  readonly regs: Readonly<Record<string, number>>;
  readonly final: Readonly<Record<string, number>>;
  readonly key: string;
}

const st = (loc: string, value: number): LitmusInstr => ({ op: 'st', loc, value });
const ld = (loc: string, reg: string): LitmusInstr => ({ op: 'ld', loc, reg });
const fence: LitmusInstr = { op: 'fence' };

/** The standard per-location coherence tests and MP+fences. Initial values are 0. */
export const LITMUS_TESTS: readonly LitmusTest[] = [
  {
    name: 'CoRR',
    description: 'Two loads of x by one thread never see writes out of coherence order.',
    threads: [[st('x', 1)], [st('x', 2)], [ld('x', 'r1'), ld('x', 'r2')], [ld('x', 'r3'), ld('x', 'r4')]],
    forbidden: (r, f) => {
      const rank = (v: number): number => (v === 0 ? 0 : v === f['x'] ? 2 : 1);
      return rank(r['r1']!) > rank(r['r2']!) || rank(r['r3']!) > rank(r['r4']!);
    },
  },
  {
    name: 'CoWW',
    description: 'Two stores by one thread reach coherence order in program order.',
    threads: [[st('x', 1), st('x', 2)], [ld('x', 'r1'), ld('x', 'r2')]],
    forbidden: (r, f) => f['x'] !== 2 || (r['r1'] === 2 && r['r2'] === 1),
  },
  {
    name: 'CoRW',
    description: 'A load never sees a store that follows it in program order, nor one ordered after that store.',
    threads: [[ld('x', 'r1'), st('x', 2)], [st('x', 1)]],
    forbidden: (r, f) => r['r1'] === 2 || (r['r1'] === 1 && f['x'] === 1),
  },
  {
    name: 'CoWR',
    description: 'A load after a store sees that store or a later one in coherence order.',
    threads: [[st('x', 1), ld('x', 'r1')], [st('x', 2)]],
    forbidden: (r, f) => r['r1'] === 0 || (r['r1'] === 2 && f['x'] === 1),
  },
  {
    name: 'MP+fences',
    description: 'Message passing: a reader that sees the flag sees the data (data and flag on different homes).',
    threads: [[st('data', 1), fence, st('flag', 1)], [ld('flag', 'r1'), fence, ld('data', 'r2')]],
    forbidden: (r) => r['r1'] === 1 && r['r2'] === 0,
  },
];

/**
 * Returns the test named `name`.
 * @throws Error when no test has that name (config validation prevents it).
 */
export function litmusTest(name: string): LitmusTest {
  const test = LITMUS_TESTS.find((t) => t.name === name);
  if (!test) throw new ConfigError(`no litmus test named ${name}`);
  return test;
}

/** Returns the locations `test` uses, sorted (location k is the k-th line a run places). */
export function litmusLocations(test: LitmusTest): string[] {
  return [...new Set(test.threads.flat().flatMap((i) => (i.op === 'fence' ? [] : [i.loc])))].sort();
}

/** Returns the canonical key of an outcome (registers, then `[loc]=final` values), for histograms. */
export function litmusOutcomeKey(regs: Readonly<Record<string, number>>, final: Readonly<Record<string, number>>): string {
  return [...Object.entries(regs).sort(), ...Object.entries(final).map(([k, v]) => [`[${k}]`, v] as const)].map(([k, v]) => `${k}=${v}`).join(' ');
}

/** Options of one litmus run. */
export interface LitmusRunOptions {
  readonly seed: number;
  readonly maxStartPs?: Ps;
  readonly maxThinkPs?: Ps;
  readonly jitterPs?: Ps;
}

/**
 * Runs `test` once. Threads go to agents alternately on CPUs and GPUs
 * (thread i on node i mod 4 of a 2-CPU, 2-GPU machine); locations live on
 * different homes. The monitor checks SWMR and data value throughout.
 * @throws InvariantViolation / ProtocolViolation / DeadlockError from the system.
 */
export function runLitmus(test: LitmusTest, o: LitmusRunOptions): LitmusOutcome {
  const topology = smallTopology({ cpus: 2, gpus: 2, cacheSets: 1, cacheWays: 2 });
  const sys = new CoherentSystem({ topology, seed: o.seed, jitterPs: o.jitterPs ?? 300_000 });
  const rng = new Rng(o.seed, 0x6c69);
  const locs = litmusLocations(test);
  // Location k on page k+1: homes differ (page mod 4 nodes).
  const addr = new Map<string, LineAddr>(locs.map((l, k) => [l, (k + 1) * topology.pageSizeBytes]));
  const regs: Record<string, number> = {};
  const nodes = [0, 2, 1, 3].map(nodeId);
  const think = (): Ps => rng.int(0, o.maxThinkPs ?? 300_000);

  const runThread = (agent: NodeId, program: readonly LitmusInstr[], pc: number): void => {
    const instr = program[pc];
    if (!instr) return;
    const next = (): void => sys.schedule(think(), () => runThread(agent, program, pc + 1));
    // One operation in flight per agent and each completes before the next issues, so a fence has nothing to wait for.
    if (instr.op === 'fence') next();
    else if (instr.op === 'st') sys.store(agent, addr.get(instr.loc)!, instr.value, next);
    else sys.load(agent, addr.get(instr.loc)!, (v) => {
      regs[instr.reg] = v;
      next();
    });
  };

  // Warm-up: random agents read random locations so that runs start from a mix of I, S, E and O.
  for (let a = 0; a < nodes.length; a++) for (const l of locs) if (rng.chance(0.4)) sys.load(nodes[a]!, addr.get(l)!, () => {});
  sys.run();
  test.threads.forEach((program, i) => sys.schedule(rng.int(0, o.maxStartPs ?? 1_000_000), () => runThread(nodes[i % nodes.length]!, program, 0)));
  sys.run();
  const final = Object.fromEntries(locs.map((l) => [l, sys.monitor.lastValue(addr.get(l)!)]));
  return { regs, final, key: litmusOutcomeKey(regs, final) };
}

/** Histogram of outcomes over seeds, and the forbidden ones seen (with a seed that produced each). */
export interface LitmusReport {
  readonly test: string;
  readonly runs: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly forbiddenSeen: readonly { readonly key: string; readonly seed: number }[];
}

/** Runs `test` for seeds `firstSeed .. firstSeed + runs - 1` and reports outcomes. */
export function runLitmusSeeds(test: LitmusTest, runs: number, firstSeed = 1): LitmusReport {
  const outcomes: Record<string, number> = {};
  const forbiddenSeen: { key: string; seed: number }[] = [];
  for (let seed = firstSeed; seed < firstSeed + runs; seed++) {
    const out = runLitmus(test, { seed });
    outcomes[out.key] = (outcomes[out.key] ?? 0) + 1;
    if (test.forbidden(out.regs, out.final)) forbiddenSeen.push({ key: out.key, seed });
  }
  return { test: test.name, runs, outcomes, forbiddenSeen };
}
