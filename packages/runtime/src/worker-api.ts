/**
 * The control plane of one worker thread, served over comlink by
 * `serveWorker()` (called by worker-entry.ts, or by worker-boot.ts for the
 * build's bundle): `init` (attach shared state, build the models of the
 * nodes it hosts) and `run` (the blocking event loop; resolves with the
 * nodes' reports when the simulation ends). Hot traffic never uses comlink: it
 * flows through the SharedArrayBuffer rings, or straight between the
 * kernels of nodes the worker hosts together.
 */
import { CdmsimError } from '@cdmsim/engine';
import { parentPort, threadId } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { CodeCacheUse } from './worker-bundle-files.js';
import { WorkerRunner, type SessionCommand, type SessionResult, type WorkerInit, type WorkerReport } from './worker-runner.js';

let runner: WorkerRunner | undefined;
/** Whether this worker compiled the bundle with the build's code cache (told by `serveWorker`). */
let codeCache: CodeCacheUse = 'none';

/** What `init` answers: the worker's OS-level thread id and how its code was compiled. */
export interface WorkerStarted {
  readonly threadId: number;
  readonly codeCache: CodeCacheUse;
}

/** The API the orchestrator calls on each worker. */
export const workerApi = {
  /** Builds the models of the worker's nodes over the shared state. Returns the worker's thread id and whether it used the code cache. */
  init(init: WorkerInit): WorkerStarted {
    runner = new WorkerRunner(init);
    return { threadId, codeCache };
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

/**
 * Serves `workerApi` to the orchestrator on this thread's parent port;
 * `cache` says whether the worker's code came from the build's code cache
 * (worker-boot.ts; `none` from the module graph). Call once, in a worker thread.
 * @throws CdmsimError outside a worker thread.
 */
export function serveWorker(cache: CodeCacheUse = 'none'): void {
  if (!parentPort) throw new CdmsimError('the worker API is served in a worker thread only');
  codeCache = cache;
  expose(workerApi, nodeEndpoint(parentPort));
}
