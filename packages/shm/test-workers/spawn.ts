/**
 * Test helper: runs a worker script from this folder and resolves with the
 * message it posts (workers post `{ ok: true, result }` or `{ ok: false, error }`).
 * Worker scripts import the built `../dist/*.js`, so tests need a prior build.
 */
import { Worker } from 'node:worker_threads';

export interface WorkerOutcome<T> {
  readonly ok: boolean;
  readonly result?: T;
  readonly error?: { name: string; message: string };
}

/** Starts `script` (a file in test-workers/) with `workerData`; resolves with its outcome. */
export function runWorker<T = unknown>(script: string, workerData: unknown): Promise<WorkerOutcome<T>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(`./${script}`, import.meta.url), { workerData });
    let settled = false;
    worker.once('message', (m: WorkerOutcome<T>) => {
      settled = true;
      resolve(m);
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`worker ${script} exited with code ${code} before reporting`));
    });
  });
}

/** Runs `script` in `count` workers, worker i getting `dataOf(i)`; resolves with their results, rejecting if any failed. */
export async function runWorkers<T = unknown>(script: string, count: number, dataOf: (i: number) => unknown): Promise<T[]> {
  const outcomes = await Promise.all(Array.from({ length: count }, (_, i) => runWorker<T>(script, dataOf(i))));
  return outcomes.map((o, i) => {
    if (!o.ok) throw new Error(`worker ${i} of ${script} failed: ${o.error?.name}: ${o.error?.message}`);
    return o.result as T;
  });
}
