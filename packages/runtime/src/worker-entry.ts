/**
 * Entry point of one worker thread. Exposes the worker's control plane over
 * comlink: `init` (attach shared state, build the models of the nodes it
 * hosts) and `run` (the blocking event loop; resolves with the nodes'
 * reports when the simulation ends). Hot traffic never uses comlink: it
 * flows through the SharedArrayBuffer rings, or straight between the
 * kernels of nodes the worker hosts together.
 */
import { CdmsimError } from '@cdmsim/engine';
import { parentPort, threadId } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { WorkerRunner, type SessionCommand, type SessionResult, type WorkerInit, type WorkerReport } from './worker-runner.js';

let runner: WorkerRunner | undefined;

/** The API the orchestrator calls on each worker. */
export const workerApi = {
  /** Builds the models of the worker's nodes over the shared state. Returns the worker's thread id. */
  init(init: WorkerInit): number {
    runner = new WorkerRunner(init);
    return threadId;
  },
  /** Runs the worker's nodes until the simulation ends; returns their reports. */
  run(): WorkerReport {
    if (!runner) throw new CdmsimError('run() before init()');
    return runner.run();
  },
  /** One session step: hands its nodes their `commands` at `atPs`, runs until nothing is pending; returns the completed commands' results. */
  step(commands: readonly SessionCommand[], atPs: number): SessionResult[] {
    if (!runner) throw new CdmsimError('step() before init()');
    return runner.step(commands, atPs);
  },
};

/** The type the orchestrator's comlink proxy wraps. */
export type WorkerApi = typeof workerApi;

if (!parentPort) throw new CdmsimError('worker-entry must run in a worker thread');
expose(workerApi, nodeEndpoint(parentPort));
