/**
 * One worker thread's part of a run: the models of the nodes it hosts (one
 * per node by default; all of them in sequential mode; a socket group with
 * `--workers N`), their shared outbox, and the scheduler of the run's mode.
 * An error out of a node's model is reported as a `NodeFailure` naming that
 * node, whichever worker hosts it.
 */
import { NodeFailure, toErrorData, type NodeId } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { RoutingTable } from '@cdmsim/bus';
import { RunControl } from '@cdmsim/shm';
import {
  emptySchedulerStats,
  GroupOutbox,
  horizonDistances,
  runDeterministic,
  runFree,
  runSequential,
  scheduleJitter,
  type RunMode,
  type ScheduleJitter,
  type SchedulerStats,
} from '@cdmsim/kernel';
import type { SharedHandles } from '@cdmsim/platform';
import { NodeModel, type NodeEngineReport, type NodeReport } from './node-model.js';

/** Everything a worker receives at start (plain, structured-cloneable data). */
export interface WorkerInit {
  readonly config: SimConfig;
  /** This worker's index (its doorbell and barrier slot). */
  readonly worker: number;
  /** The nodes it hosts, in node order. */
  readonly nodes: readonly NodeId[];
  readonly seed: number;
  readonly mode: RunMode;
  readonly shared: SharedHandles;
  /** Fault injection: the model of `node` throws at its `afterEvents`-th event. */
  readonly crash?: { readonly node: NodeId; readonly afterEvents: number };
  /** Record a Perfetto trace of at most this many events per node. */
  readonly traceEvents?: number;
  /** Testing: random delays at the scheduler's synchronisation points (see `scheduleJitter`). */
  readonly scheduleJitter?: ScheduleJitter;
}

/** How a worker executed its part of the run (varies with mode and worker count; never part of the deterministic result). */
export interface WorkerEngineReport {
  readonly worker: number;
  readonly nodes: readonly NodeEngineReport[];
  readonly scheduler: SchedulerStats;
}

/** A command of a session step for the workload role of `node` (plain, structured-cloneable data; `index` orders the step's results). */
export interface SessionCommand {
  readonly index: number;
  readonly node: NodeId;
  readonly command: unknown;
}

/** The result of a session command that completed within its step. */
export interface SessionResult {
  readonly index: number;
  readonly result: unknown;
}

/** What a worker returns at the end of a run. */
export interface WorkerReport {
  readonly nodes: readonly NodeReport[];
  readonly engine: WorkerEngineReport;
}

/** The nodes of one worker and their scheduler. */
export class WorkerRunner {
  readonly #init: WorkerInit;
  readonly #sync: RunControl;
  readonly #outbox: GroupOutbox;
  readonly #models: NodeModel[] = [];

  /**
   * Attaches the shared state and builds every hosted node's model.
   * @throws NodeFailure naming the node whose model could not be built.
   */
  constructor(init: WorkerInit) {
    this.#init = init;
    this.#sync = RunControl.attach(init.shared.sync);
    this.#outbox = new GroupOutbox(init.nodes);
    for (const self of init.nodes) {
      try {
        this.#models.push(
          new NodeModel({
            config: init.config,
            self,
            seed: init.seed,
            mode: init.mode,
            shared: init.shared,
            sync: this.#sync,
            outbox: this.#outbox,
            ...(init.crash?.node === self ? { crashAfterEvents: init.crash.afterEvents } : {}),
            ...(init.traceEvents ? { traceEvents: init.traceEvents } : {}),
          }),
        );
      } catch (e) {
        throw asNodeFailure(init.config.topology.nodes[self]!.name, e);
      }
    }
  }

  /**
   * Runs the scheduler of the run's mode until the simulation ends; returns every hosted node's report.
   * @throws NodeFailure naming the node whose model threw (or this worker's nodes when none was running: an abort, a stuck barrier).
   */
  run(): WorkerReport {
    this.#schedule();
    const scheduler = { ...this.#scheduled };
    return {
      nodes: this.#models.map((m) => m.report()),
      engine: { worker: this.#init.worker, nodes: this.#models.map((m) => m.engineReport()), scheduler },
    };
  }

  /**
   * One step of a session: hands each of `commands` meant for a node of this
   * worker to that node's workload role at simulated time `atPs` (no node
   * has run past it), runs the scheduler until nothing is pending anywhere,
   * and returns the results of the commands that completed, by index. The
   * simulation stays open: another step or `run` follows.
   * @throws NodeFailure as `run` does; CdmsimError naming the node when its workload takes no commands.
   */
  step(commands: readonly SessionCommand[], atPs: number): SessionResult[] {
    const results: SessionResult[] = [];
    for (const c of commands) {
      const model = this.#models.find((m) => m.kernel.self === c.node);
      if (!model) continue;
      try {
        model.command(atPs, c.command, (result) => results.push({ index: c.index, result }));
      } catch (e) {
        throw asNodeFailure(model.kernel.spec.name, e);
      }
    }
    this.#schedule();
    return results;
  }

  /** Scheduler counters summed over every step and the final run. */
  readonly #scheduled: SchedulerStats = emptySchedulerStats();

  #schedule(): void {
    const init = this.#init;
    const members = this.#models.map((m) => m.member);
    const parts = {
      members,
      sync: this.#sync,
      worker: init.worker,
      ...(init.scheduleJitter ? { perturb: scheduleJitter(init.scheduleJitter, init.worker) } : {}),
    };
    try {
      const stats =
        init.mode === 'sequential'
        ? runSequential(members, this.#outbox, this.#sync)
        : init.mode === 'free'
          ? runFree(parts)
          : runDeterministic(parts, horizonDistances(new RoutingTable(init.config.topology)), this.#outbox);
      this.#scheduled.rounds += stats.rounds;
      this.#scheduled.idleSleeps += stats.idleSleeps;
      this.#scheduled.backPressureRetries += stats.backPressureRetries;
      this.#scheduled.wallMs += stats.wallMs;
      this.#scheduled.waitMs += stats.waitMs;
    } catch (e) {
      const failed = this.#models.find((m) => m.kernel.running);
      throw asNodeFailure(failed ? failed.kernel.spec.name : this.#models.map((m) => m.kernel.spec.name).join('+'), e);
    }
  }
}

function asNodeFailure(node: string, e: unknown): NodeFailure {
  if (e instanceof NodeFailure) return e;
  const data = toErrorData(e);
  return new NodeFailure(node, data.message, data.stack);
}
