/**
 * The parallel engine against the sequential reference, in one run:
 *
 * - `parallel-speedup`: simulated events per wall second of deterministic
 *   mode with `--workers auto` against sequential mode on the 16 MiB
 *   shared-buffer experiment (at 40 000 accesses per GPU: 804 k events); variants: deterministic with
 *   one worker per node (the default) and free mode. Warm-up is excluded
 *   the same way for every engine: each runs the experiment at two sizes
 *   (5 000 and 40 000 accesses per GPU, same buffer) and the rate is the
 *   difference in events over the difference in wall time, so worker
 *   start-up, JIT warm-up and the buffer's serial fill and read-back (the
 *   same at both sizes) cancel out. Whole-run rates are in the details.
 * - `barrier-empty-round`: wall µs of one deterministic round with no
 *   events on the default machine's 6 workers against 2 workers: the fixed
 *   cost every round pays, the limit of one worker per node on few cores.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { SimConfig } from '@cdmsim/config';
import { RunControl } from '@cdmsim/shm';
import { defaultConfig, sharedBuffer, type SharedBufferWorkloadSpec } from '@cdmsim/workloads';
import { runSimulation, type RunMode, type RunResult, type WorkerCount } from '@cdmsim/runtime';
import type { Benchmark, Measurement } from './harness.js';
import type { BarrierWorkerData, BarrierWorkerResult } from './barrier-worker.js';

/** The large shared-buffer experiment: 16 MiB buffer, `accesses` per GPU. */
function largeExperiment(accesses: number): SimConfig<SharedBufferWorkloadSpec> {
  const c = defaultConfig();
  if (!sharedBuffer.runs(c)) throw new Error(`the built-in experiment runs ${c.workload.kind}, not ${sharedBuffer.kind}`);
  return { ...c, workload: { ...c.workload, bufferBytes: 16 * 1024 * 1024, accessesPerDevice: accesses } };
}

/** One engine of the comparison. */
interface Engine {
  readonly name: string;
  readonly mode: RunMode;
  readonly workers?: WorkerCount;
  readonly partition?: string;
}

/**
 * A hand-made 2-worker partition of the default machine: the buffer's home
 * (cpu0, about 42 % of the work) shares its worker with one GPU only, where
 * the socket rule of `auto` gives it two.
 */
const HOT_SPLIT = 'cpu0+gpu0,cpu1+gpu1+gpu2+gpu3';
const SMALL = 5_000;
const LARGE = 40_000;
/** Repetitions per engine and size; the fastest of each is kept (noise only ever adds time). */
const REPEATS = 2;

/** What an engine did at both sizes. */
interface EngineFigures {
  /** Marginal events per second between the two sizes (warm-up excluded). */
  readonly rate: number;
  /** Events per second of the whole large run (start-up excluded, warm-up included). */
  readonly wholeRunRate: number;
  readonly large: RunResult;
}

async function fastest(config: SimConfig, engine: Engine): Promise<RunResult> {
  let best: RunResult | undefined;
  const { name: _name, ...options } = engine;
  for (let i = 0; i < REPEATS; i++) {
    const r = await runSimulation(config, { seed: 1, ...options });
    if (!best || r.host.wallMs < best.host.wallMs) best = r;
  }
  return best!;
}

async function measure(engine: Engine): Promise<EngineFigures> {
  const small = await fastest(largeExperiment(SMALL), engine);
  const large = await fastest(largeExperiment(LARGE), engine);
  const rate = (large.totals.events - small.totals.events) / ((large.host.wallMs - small.host.wallMs) / 1000);
  return { rate, wholeRunRate: large.host.eventsPerSecond, large };
}

const eventsPerSecond = (figure: number): Measurement => ({ figure, unit: 'events/s' });

/** Wall µs per round of `workers` parties running `rounds` empty rounds (timed by worker 0 from the end of the first round). */
async function emptyRoundUs(workers: number, rounds: number): Promise<number> {
  const sync = RunControl.create(workers, availableParallelism());
  const stepPs = 1000;
  const distances = new Float64Array(workers * workers).fill(stepPs);
  const results = await Promise.all(
    Array.from({ length: workers }, (_, worker) => {
      const data: BarrierWorkerData = { sync: sync.handle, worker, distances, rounds, stepPs };
      const w = new Worker(new URL('./barrier-worker.js', import.meta.url), { workerData: data });
      return new Promise<BarrierWorkerResult>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`barrier-worker ${worker} exited with code ${code} before reporting`)));
      });
    }),
  );
  const r = results[0]!;
  if (r.rounds < rounds - 1) throw new Error(`barrier benchmark: ${r.rounds} rounds timed, expected ${rounds - 1}`);
  return (r.ms * 1000) / r.rounds;
}

/** Fastest of three runs of 20 000 empty rounds. */
async function bestEmptyRoundUs(workers: number): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) best = Math.min(best, await emptyRoundUs(workers, 20_000));
  return best;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'parallel-speedup',
    description: `events per wall second (warm-up excluded: difference of ${SMALL} and ${LARGE} accesses per GPU) on the 16 MiB shared-buffer experiment, deterministic --workers auto vs sequential; variants: deterministic one worker per node, free, and deterministic on 2 workers with the buffer's home cpu0 and gpu0 on one (--partition ${HOT_SPLIT})`,
    baselineName: 'sequential mode, same experiment and seed',
    async run() {
      const engines: Engine[] = [
        { name: 'sequential', mode: 'sequential' },
        { name: 'deterministic --workers auto', mode: 'deterministic', workers: 'auto' },
        { name: 'deterministic, one worker per node', mode: 'deterministic' },
        { name: 'free', mode: 'free' },
        { name: `deterministic --partition ${HOT_SPLIT}`, mode: 'deterministic', partition: HOT_SPLIT },
      ];
      const figures: EngineFigures[] = [];
      for (const e of engines) figures.push(await measure(e));
      const [seq, auto, perNode, free, hotSplit] = figures as [EngineFigures, EngineFigures, EngineFigures, EngineFigures, EngineFigures];
      const identical = [auto, perNode, hotSplit].every((f) => f.large.eventLogHash === seq.large.eventLogHash);
      if (!identical) throw new Error(`parallel-speedup: deterministic runs differ from the sequential one (${figures.map((f) => f.large.eventLogHash).join(', ')})`);
      return {
        subject: eventsPerSecond(auto.rate),
        baseline: eventsPerSecond(seq.rate),
        variants: [
          { name: engines[2]!.name, subject: eventsPerSecond(perNode.rate) },
          { name: engines[3]!.name, subject: eventsPerSecond(free.rate) },
          { name: engines[4]!.name, subject: eventsPerSecond(hotSplit.rate) },
        ],
        details: {
          events: seq.large.totals.events,
          eventLogHash: seq.large.eventLogHash,
          cores: availableParallelism(),
          workersAuto: auto.large.host.workers,
          workersPerNode: perNode.large.host.workers,
          roundsAuto: auto.large.host.scheduler.rounds,
          roundsPerNode: perNode.large.host.scheduler.rounds,
          eventsPerRound: Number(perNode.large.host.scheduler.eventsPerRound.toFixed(1)),
          wallUsPerRoundAuto: Math.round(auto.large.host.scheduler.wallUsPerRound),
          wallUsPerRoundPerNode: Math.round(perNode.large.host.scheduler.wallUsPerRound),
          busyWorkerShareAuto: Number(auto.large.host.scheduler.busyWorkerShare.toFixed(2)),
          busyWorkerSharePerNode: Number(perNode.large.host.scheduler.busyWorkerShare.toFixed(2)),
          wholeRunEventsPerSecondSequential: Math.round(seq.wholeRunRate),
          wholeRunEventsPerSecondAuto: Math.round(auto.wholeRunRate),
          wholeRunEventsPerSecondPerNode: Math.round(perNode.wholeRunRate),
          wholeRunEventsPerSecondFree: Math.round(free.wholeRunRate),
          wholeRunEventsPerSecondHotSplit: Math.round(hotSplit.wholeRunRate),
        },
      };
    },
  },
  {
    name: 'barrier-empty-round',
    description: 'wall µs of one deterministic round with no events (thread start-up excluded, fastest of 3 × 20 000 rounds), 6 workers (the default machine, one per node) vs 2; lower is better',
    baselineName: '2 workers',
    async run() {
      const two = await bestEmptyRoundUs(2);
      const six = await bestEmptyRoundUs(6);
      const one = await bestEmptyRoundUs(1);
      const three = await bestEmptyRoundUs(3);
      const us = (figure: number): Measurement => ({ figure, unit: 'µs/round' });
      return {
        subject: us(six),
        baseline: us(two),
        variants: [
          { name: '1 worker', subject: us(one) },
          { name: '3 workers', subject: us(three) },
        ],
        details: { cores: availableParallelism() },
      };
    },
  },
];
