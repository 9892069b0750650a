/**
 * Worker side of the empty-round benchmark: one barrier party of a
 * `RunControl` that hosts one node and runs `rounds` deterministic rounds
 * with no events, exactly as `runDeterministic` drives the barrier (publish
 * the node's row, arrive, read the horizon), so the wall time per round is
 * the engine's fixed cost of a round on this host. The clock starts once
 * the first round closed (every party has started by then), so thread
 * start-up is not counted; the worker posts its wall ms and rounds.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { RunControl, type RunControlHandle } from '@cdmsim/shm';

/** workerData of a barrier-worker. */
export interface BarrierWorkerData {
  readonly sync: RunControlHandle;
  /** This worker's index (it hosts the node of the same index). */
  readonly worker: number;
  /** Lower bounds between nodes, row-major (`horizonDistances` shape). */
  readonly distances: Float64Array;
  /** Every node has one pending event per `stepPs` until `rounds * stepPs`. */
  readonly rounds: number;
  readonly stepPs: number;
}

const { sync: handle, worker, distances, rounds, stepPs } = workerData as BarrierWorkerData;
const sync = RunControl.attach(handle);
/** This node's row (`RunControl.publishRow`): its next event, its bounds on arrivals (event + distance), nothing in flight. */
const row = new Float64Array(3 * sync.nodes).fill(Number.POSITIVE_INFINITY);
let nextPs = 0;
let startMs = 0;
let timed = 0;
for (;;) {
  row[worker] = nextPs < rounds * stepPs ? nextPs : Number.POSITIVE_INFINITY;
  for (let i = 0; i < sync.nodes; i++) row[sync.nodes + i] = row[worker]! + distances[worker * sync.nodes + i]!;
  sync.publishRow(worker, row);
  if (sync.arriveRound(worker, distances, () => undefined) === null) break;
  if (timed++ === 0) startMs = performance.now();
  // Every node's only event is at the round's start: the next one is one step on.
  nextPs = sync.horizonOf(worker);
}

/** What a barrier-worker posts when the rounds are over. */
export interface BarrierWorkerResult {
  readonly ms: number;
  /** Rounds timed (all but the first). */
  readonly rounds: number;
}
const result: BarrierWorkerResult = { ms: performance.now() - startMs, rounds: timed - 1 };
parentPort?.postMessage(result);
