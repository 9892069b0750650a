/**
 * The orchestrator: builds a simulation's shared state, spawns the worker
 * threads (one per simulated node by default; one for all of them in
 * sequential mode; N with `workers`, see partition.ts), drives them through
 * comlink, and turns their reports into a result. A failing worker fails the
 * run with the failing node's name; every worker is then terminated — never
 * a hang.
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { wrap, type Remote } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { CdmsimError, ConfigError, NodeFailure, toErrorData, type NodeId } from '@cdmsim/engine';
import type { SimConfig, WorkloadSpec } from '@cdmsim/config';
import type { RunMode, ScheduleJitter } from '@cdmsim/kernel';
import { createSharedState, type SharedState } from '@cdmsim/platform';
import { configFormat, workloadOf } from '@cdmsim/workloads';
import type { WorkerApi } from './worker-api.js';
import type { SessionResult, WorkerReport } from './worker-runner.js';
import { nodesOfWorkers, workersOfRun, type WorkerCount } from './partition.js';
import { buildRunResult, type RunResult } from './results.js';
import { moduleGraphScript, workerScript, type WorkerScript } from './worker-script.js';
import type { CodeCacheUse } from './worker-bundle-files.js';

/** How to run a simulation. */
export interface SimulationOptions {
  /** Seed of every random choice in the run (default 1). */
  readonly seed?: number;
  /** `deterministic` (default), `sequential` (one thread, the reference) or `free`. */
  readonly mode?: RunMode;
  /**
   * Deterministic mode: worker threads to spread the nodes over (default
   * one per node; `auto` = min(host cores, nodes)). Results are identical
   * for every count.
   */
  readonly workers?: WorkerCount;
  /**
   * Deterministic mode, instead of `workers`: which nodes share a worker,
   * groups separated by commas and nodes by `+`
   * (`cpu0+gpu0,cpu1+gpu1+gpu2+gpu3`: two workers). For machines whose hot
   * nodes the socket rule of `workers` cannot see. Results are identical
   * for every partition.
   */
  readonly partition?: string;
  /** Name of a node whose worker throws mid-run (fault-injection). */
  readonly injectCrash?: string;
  /** Event count at which the injected crash happens (default 200). */
  readonly crashAfterEvents?: number;
  /** Record a Perfetto trace of at most this many events per node (default: none). */
  readonly traceEventsPerNode?: number;
  /** Testing: random wall-time delays in every worker's scheduler (deterministic results must not change). */
  readonly scheduleJitter?: ScheduleJitter;
  /** Tests and benchmarks: start the workers from the module graph even when the build's one-file bundle is fresh (see `workerScript`). */
  readonly moduleGraphWorkers?: boolean;
}

/** How far a running simulation got, for progress bars. */
export interface Progress {
  /** Simulated time reached by each node. */
  readonly nodeTimesPs: readonly number[];
  readonly minPs: number;
  readonly maxPs: number;
  /** Workload units done and in total (accesses, pages filled) over all nodes. */
  readonly workDone: number;
  readonly workTotal: number;
}

interface WorkerThread {
  readonly index: number;
  readonly nodes: readonly NodeId[];
  /** The names of its nodes, joined by '+' (errors outside any node's model name them all). */
  readonly name: string;
  readonly worker: Worker;
  readonly api: Remote<WorkerApi>;
  /** Settles when the worker dies on its own (uncaught error or exit). */
  readonly died: Promise<never>;
}

/** How long failing runs wait for the other workers to notice the abort before terminating them. */
const ABORT_GRACE_MS = 1500;

/**
 * A running simulation: its worker threads over shared state.
 * @example
 * ```ts
 * const sim = await Simulation.start(loadConfigFile('examples/dgx-h100.yaml'), { mode: 'free' });
 * const timer = setInterval(() => console.log(sim.progress()), 500);
 * const result = await sim.run().finally(() => clearInterval(timer));
 * ```
 */
export class Simulation {
  readonly config: SimConfig;
  readonly seed: number;
  readonly mode: RunMode;
  /** OS-level thread id of each node's worker, in node order. */
  readonly threadIds: readonly number[];
  /** The worker hosting each node, in node order. */
  readonly workerOf: readonly number[];
  /** Wall time spent building shared state and starting workers. */
  readonly startupMs: number;
  /** The file the workers started from (the one-file bundle unless it is missing or stale). */
  readonly workerScript: WorkerScript;
  /** Whether the workers compiled the bundle with the build's V8 code cache (`rejected` if any worker's was refused). */
  readonly workerCodeCache: CodeCacheUse;
  readonly #shared: SharedState;
  readonly #threads: readonly WorkerThread[];
  #stopped = false;

  private constructor(
    config: SimConfig,
    seed: number,
    mode: RunMode,
    shared: SharedState,
    threads: WorkerThread[],
    workerOf: number[],
    threadIds: number[],
    startupMs: number,
    script: WorkerScript,
    codeCache: CodeCacheUse,
  ) {
    this.workerOf = workerOf;
    this.config = config;
    this.seed = seed;
    this.mode = mode;
    this.#shared = shared;
    this.#threads = threads;
    this.threadIds = threadIds;
    this.startupMs = startupMs;
    this.workerScript = script;
    this.workerCodeCache = codeCache;
  }

  /**
   * Checks `config` like a config file (`configFormat.check`: a config built
   * or edited in code gets the file's messages), builds shared state for it,
   * spawns and initialises its worker threads (one per node, or as
   * `options.mode` / `options.workers` say).
   * Resolves once every worker is ready; rejects with NodeFailure naming the
   * node if one cannot start, with ConfigValidationError when `config` is
   * invalid (no worker started). Call `run()` next, and `stop()` if you abandon
   * the simulation.
   * @example
   * ```ts
   * const sim = await Simulation.start(defaultConfig(), { seed: 3, workers: 'auto' });
   * const result = await sim.run();
   * ```
   */
  static async start<W extends WorkloadSpec>(given: SimConfig<W>, options: SimulationOptions = {}): Promise<Simulation> {
    const t0 = performance.now();
    const config = configFormat.check(given) as SimConfig<W>;
    const seed = options.seed ?? 1;
    const mode = options.mode ?? 'deterministic';
    if (options.injectCrash !== undefined && !config.topology.nodes.some((n) => n.name === options.injectCrash)) {
      throw new ConfigError(
        `--inject-crash: no node named "${options.injectCrash}" (known: ${config.topology.nodes.map((n) => n.name).join(', ')})`,
      );
    }
    const cores = availableParallelism();
    const nodes = config.topology.nodes;
    const workerOf = workersOfRun(mode, config.topology, cores, options.workers, options.partition);
    const shared = createSharedState(config, cores, workloadOf(config.workload.kind).sharedNeeds?.(config) ?? {}, workerOf);
    const crashNode = nodes.find((n) => n.name === options.injectCrash);
    const script = options.moduleGraphWorkers ? moduleGraphScript() : workerScript();
    const threads = nodesOfWorkers(workerOf).map((ids, index) => spawnWorker(script.url, index, ids, ids.map((id) => nodes[id]!.name).join('+')));
    try {
      const started = await Promise.all(
        threads.map((t) =>
          raceDeath(
            t,
            t.api.init({
              config,
              worker: t.index,
              nodes: t.nodes,
              seed,
              mode,
              shared: shared.handles,
              ...(crashNode && t.nodes.includes(crashNode.id) ? { crash: { node: crashNode.id, afterEvents: options.crashAfterEvents ?? 200 } } : {}),
              ...(options.traceEventsPerNode ? { traceEvents: options.traceEventsPerNode } : {}),
              ...(options.scheduleJitter ? { scheduleJitter: options.scheduleJitter } : {}),
            }),
          ),
        ),
      );
      const threadIds = workerOf.map((w) => started[w]!.threadId);
      const uses = new Set(started.map((s) => s.codeCache));
      const codeCache: CodeCacheUse = uses.has('rejected') ? 'rejected' : uses.has('none') ? 'none' : 'used';
      return new Simulation(config, seed, mode, shared, threads, workerOf, threadIds, performance.now() - t0, script, codeCache);
    } catch (e) {
      await terminateAll(threads);
      throw e;
    }
  }

  /** Returns the simulated time each node has reached (safe to call while `run()` is pending). */
  progress(): Progress {
    const nodeTimesPs = this.#shared.sync.progress();
    const work = this.#shared.sync.work();
    return {
      nodeTimesPs,
      minPs: Math.min(...nodeTimesPs),
      maxPs: Math.max(...nodeTimesPs),
      workDone: work.done,
      workTotal: work.total,
    };
  }

  /**
   * Runs every node until the simulation ends and returns the result.
   * Rejects with NodeFailure naming the first node that failed; all workers
   * are terminated before it rejects. A simulation runs once.
   */
  async run(): Promise<RunResult> {
    if (this.#stopped) throw new CdmsimError('simulation already ran or was stopped');
    const t0 = performance.now();
    const runs = this.#threads.map((t) => raceDeath(t, t.api.run()));
    let reports: WorkerReport[];
    try {
      reports = await firstFailureOrAll(runs, () => this.#shared.sync.abort());
    } finally {
      await this.stop();
    }
    const wallMs = performance.now() - t0;
    return buildRunResult({
      config: this.config,
      seed: this.seed,
      mode: this.mode,
      workerOf: this.workerOf,
      reports,
      shared: this.#shared,
      wallMs,
      startupMs: this.startupMs,
      workerScript: this.workerScript.kind,
      workerCodeCache: this.workerCodeCache,
    });
  }

  /**
   * One step of an interactive session: hands each command to the workload
   * role of its node at the simulation's current time (the latest any node
   * reached), runs every node until nothing is pending anywhere, and
   * returns the commands' results in order. The simulation stays open for
   * the next step; `run()` ends it and returns the result. Commands issued
   * in one step run concurrently in simulated time.
   * Rejects with NodeFailure naming the failing node (every worker is then
   * terminated; a workload without session commands fails so), with
   * CdmsimError when a command names no node (nothing runs) or did not
   * complete before the simulation went quiescent (it waits for something
   * that never comes; the workers are then stopped).
   */
  async step(commands: readonly { readonly node: NodeId; readonly command: unknown }[]): Promise<unknown[]> {
    if (this.#stopped) throw new CdmsimError('simulation already ran or was stopped');
    const nodes = this.config.topology.nodes;
    const stray = commands.find((c) => !Number.isInteger(c.node) || !nodes[c.node]);
    if (stray) throw new CdmsimError(`session command ${JSON.stringify(stray.command)}: no node ${stray.node} (nodes 0..${nodes.length - 1}: ${nodes.map((n) => n.name).join(', ')})`);
    const atPs = Math.max(0, ...this.#shared.sync.progress());
    const indexed = commands.map((c, index) => ({ index, node: c.node, command: c.command }));
    let parts: SessionResult[][];
    try {
      parts = await firstFailureOrAll(
        this.#threads.map((t) => raceDeath(t, t.api.step(indexed.filter((c) => t.nodes.includes(c.node)), atPs))),
        () => this.#shared.sync.abort(),
      );
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.#shared.sync.restart();
    const results: unknown[] = new Array(commands.length);
    const completed = new Set<number>();
    for (const r of parts.flat()) {
      results[r.index] = r.result;
      completed.add(r.index);
    }
    const missing = indexed.find((c) => !completed.has(c.index));
    if (missing) {
      await this.stop();
      throw new CdmsimError(`session command ${JSON.stringify(missing.command)} on node ${this.config.topology.nodes[missing.node]?.name ?? missing.node} did not complete: every node went idle first (seed ${this.seed})`);
    }
    return results;
  }

  /** Aborts the run if it is still going and terminates every worker. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#shared.sync.abort();
    await terminateAll(this.#threads);
  }
}

/**
 * Node flags the workers inherit, minus those that only make sense for the
 * main program (`node --input-type=module -e ...` would otherwise make every
 * worker fail to load its entry file).
 */
function workerExecArgv(): string[] {
  return process.execArgv.filter((a) => !/^--input-type(=|$)/.test(a) && !/^(-e|-p|--eval|--print)(=|$)/.test(a));
}

function spawnWorker(script: URL, index: number, nodes: readonly NodeId[], name: string): WorkerThread {
  const worker = new Worker(script, { name: `cdmsim:${name}`, execArgv: workerExecArgv() });
  const api = wrap<WorkerApi>(nodeEndpoint(worker));
  const died = new Promise<never>((_, reject) => {
    worker.once('error', (e) => reject(new NodeFailure(name, toErrorData(e).message, toErrorData(e).stack)));
    worker.once('exit', (code) => reject(new NodeFailure(name, `worker exited with code ${code}`)));
  });
  died.catch(() => undefined); // observed through raceDeath; avoid unhandled rejections after a clean stop
  return { index, nodes, name, worker, api, died };
}

/**
 * Resolves with `call` unless the worker dies first; either way errors name
 * a node: the one whose model failed (the worker reports it as a
 * NodeFailure, which comlink hands over as a plain error of that name), else
 * the worker's nodes.
 */
async function raceDeath<T>(thread: WorkerThread, call: Promise<T>): Promise<T> {
  try {
    return await Promise.race([call, thread.died]);
  } catch (e) {
    if (e instanceof NodeFailure) throw e;
    const data = toErrorData(e);
    const named = data.name === 'NodeFailure' ? /^node (\S+) failed: ([\s\S]*)$/.exec(data.message) : null;
    if (named) throw new NodeFailure(named[1]!, named[2]!, data.stack);
    throw new NodeFailure(thread.name, data.message, data.stack);
  }
}

/**
 * Waits for every run; on the first failure aborts the others and, once
 * they have noticed (or the grace period ran out), rejects with the root
 * cause: the first failure that is not merely "run aborted".
 */
async function firstFailureOrAll<T>(runs: Promise<T>[], abort: () => void): Promise<T[]> {
  try {
    return await Promise.all(runs);
  } catch (first) {
    abort();
    const settled = await Promise.race([
      Promise.allSettled(runs),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), ABORT_GRACE_MS)),
    ]);
    const failures = (settled ?? [])
      .filter((s): s is PromiseRejectedResult => s.status === 'rejected')
      .map((s) => s.reason as unknown);
    throw failures.find((f) => f instanceof NodeFailure && !/run aborted/.test(f.causeMessage)) ?? first;
  }
}

async function terminateAll(threads: readonly WorkerThread[]): Promise<void> {
  await Promise.all(
    threads.map(async (t) => {
      await t.worker.terminate();
    }),
  );
}

/**
 * Convenience: starts a simulation of `config`, runs it to the end and
 * returns its result. The same as `(await Simulation.start(config, o)).run()`.
 * @throws NodeFailure naming the node whose worker failed; ConfigValidationError naming every bad field of `config`; ConfigError for options that do not fit the config.
 * @example
 * ```ts
 * const result = await runSimulation(defaultConfig([parseOverride('workload.accessesPerDevice=1024')]), { seed: 7, mode: 'sequential' });
 * console.log(result.simTimePs, result.workload.verified, result.eventLogHash);
 * ```
 */
export async function runSimulation<W extends WorkloadSpec>(config: SimConfig<W>, options: SimulationOptions = {}): Promise<RunResult> {
  const sim = await Simulation.start(config, options);
  return sim.run();
}
