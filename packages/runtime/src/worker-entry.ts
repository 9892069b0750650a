/**
 * Entry point of one node's worker thread. Exposes the node's control plane
 * over comlink: `init` (attach shared state, build the model), `run` (the
 * blocking event loop; resolves with the node's report when the simulation
 * ends) and `report`. Hot traffic never uses comlink: it flows through the
 * SharedArrayBuffer rings.
 */
import { CdmsimError } from '@cdmsim/engine';
import { parentPort } from 'node:worker_threads';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { NodeRunner, type NodeInit, type NodeReport } from './node-runner.js';
import { threadId } from 'node:worker_threads';

let worker: NodeRunner | undefined;

/** The API the orchestrator calls on each node worker. */
export const nodeWorkerApi = {
  /** Builds the node's model over the shared state. Returns the worker's thread id. */
  init(init: NodeInit): number {
    worker = new NodeRunner(init);
    return threadId;
  },
  /** Runs the node until the simulation ends; returns its report. */
  run(): NodeReport {
    if (!worker) throw new CdmsimError('run() before init()');
    return worker.run();
  },
};

/** The type the orchestrator's comlink proxy wraps. */
export type NodeWorkerApi = typeof nodeWorkerApi;

if (!parentPort) throw new CdmsimError('worker-entry must run in a worker thread');
expose(nodeWorkerApi, nodeEndpoint(parentPort));
