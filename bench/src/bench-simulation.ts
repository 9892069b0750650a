/**
 * Whole-simulator figures, each against a baseline from the same run:
 * - startup of the DGX-H100 example (10 node workers over ~700 M frames)
 *   against spawning 10 bare worker threads;
 * - deterministic-mode events/s against free mode on the same workload (the
 *   price of reproducibility: barrier-synchronised rounds);
 * - startup of the default machine (6 node workers) from the build's
 *   one-file worker bundle against the same workers loading the module graph.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SimConfig } from '@cdmsim/config';
import { defaultConfig, loadConfigFile, sharedBuffer, type SharedBufferWorkloadSpec } from '@cdmsim/workloads';
import { Simulation, runSimulation } from '@cdmsim/runtime';
import type { Benchmark } from './harness.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

async function bareWorkersMs(count: number): Promise<number> {
  const t0 = performance.now();
  const workers = Array.from({ length: count }, () => new Worker('require("node:worker_threads").parentPort.postMessage(1)', { eval: true }));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  const ms = performance.now() - t0;
  await Promise.all(workers.map((w) => w.terminate()));
  return ms;
}

async function best<T>(rounds: number, f: () => Promise<T>, key: (t: T) => number, better: (a: number, b: number) => boolean): Promise<number> {
  let bestValue = Number.NaN;
  for (let i = 0; i < rounds; i++) {
    const v = key(await f());
    if (Number.isNaN(bestValue) || better(v, bestValue)) bestValue = v;
  }
  return bestValue;
}

/** Long enough (≈ 40 k events) that JIT warm-up no longer dominates the rate. */
function benchWorkload(): SimConfig<SharedBufferWorkloadSpec> {
  const c = defaultConfig();
  if (!sharedBuffer.runs(c)) throw new Error(`the built-in experiment runs ${c.workload.kind}, not ${sharedBuffer.kind}`);
  return { ...c, workload: { ...c.workload, bufferBytes: 256 * 1024, accessesPerDevice: 4096 } };
}

export const benchmarks: Benchmark[] = [
  {
    name: 'startup-dgx-h100',
    description: 'Simulation.start() of examples/dgx-h100.yaml (2 CPU x 1 TiB + 8 GPU x 80 GiB, 10 workers), ms (lower is better)',
    baselineName: 'spawning 10 bare worker threads',
    async run() {
      const config = loadConfigFile(join(EXAMPLES, 'dgx-h100.yaml'));
      const startup = await best(3, async () => {
        const sim = await Simulation.start(config);
        const ms = sim.startupMs;
        await sim.stop();
        return ms;
      }, (x) => x, (a, b) => a < b);
      const bare = await best(3, () => bareWorkersMs(config.topology.nodes.length), (x) => x, (a, b) => a < b);
      return { subject: { figure: startup, unit: 'ms' }, baseline: { figure: bare, unit: 'ms' }, details: { frames: config.topology.nodes.reduce((s, n) => s + n.memory.sizeBytes / config.topology.pageSizeBytes, 0) } };
    },
  },
  {
    name: 'startup-worker-bundle',
    description: 'Simulation.start() of the default machine (6 node workers), workers loading the one-file bundle, ms (lower is better)',
    baselineName: 'the same workers loading the module graph (moduleGraphWorkers)',
    async run() {
      const config = defaultConfig();
      const startMs = (moduleGraphWorkers: boolean) =>
        best(5, async () => {
          const sim = await Simulation.start(config, { moduleGraphWorkers });
          const ms = sim.startupMs;
          await sim.stop();
          return ms;
        }, (x) => x, (a, b) => a < b);
      const graph = await startMs(true);
      const bundle = await startMs(false);
      return { subject: { figure: bundle, unit: 'ms' }, baseline: { figure: graph, unit: 'ms' }, details: { workers: config.topology.nodes.length } };
    },
  },
  {
    name: 'events-deterministic-vs-free',
    description: 'simulated events per wall second on the default machine, deterministic mode (rounds + barrier) vs free mode',
    baselineName: 'free mode, same workload and seed',
    async run() {
      const config = benchWorkload();
      const rate = (mode: 'deterministic' | 'free') =>
        best(3, () => runSimulation(config, { seed: 1, mode }), (r) => r.host.eventsPerSecond, (a, b) => a > b);
      const det = await rate('deterministic');
      const free = await rate('free');
      const one = await runSimulation(config, { seed: 1 });
      return {
        subject: { figure: det, unit: 'events/s' },
        baseline: { figure: free, unit: 'events/s' },
        details: { events: one.totals.events, rounds: one.host.scheduler.rounds, workers: config.topology.nodes.length, deterministicRoundsPerSecond: Math.round(one.host.scheduler.rounds / (one.host.wallMs / 1000)) },
      };
    },
  },
];
