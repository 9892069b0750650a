/**
 * Which file a node worker thread starts from. The build bundles the worker
 * API and everything it imports into one file with a V8 code cache
 * (scripts/bundle-worker.mjs, started by worker-boot.ts): Node 20 loads an
 * ES module graph file by file in every worker isolate, and one precompiled
 * file starts six workers in about a third of the time. The bundle is used
 * only while it is at least as new as every build output it was made from,
 * so a `tsc -b` without the bundling step falls back to the module graph
 * instead of running stale worker code.
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WORKER_BUNDLE } from './worker-bundle-files.js';

export { WORKER_BUNDLE };

/** The file a worker starts from, and why it was chosen. */
export interface WorkerScript {
  /** The file the worker thread runs: worker-boot.js for the bundle, worker-entry.js for the module graph. */
  readonly url: URL;
  /** `bundle` (one file), or `modules` (the entry's import graph: no bundle, or a stale one). */
  readonly kind: 'bundle' | 'modules';
  /** Why the module graph was chosen (absent for the bundle). */
  readonly reason?: string;
}

/**
 * Returns the worker script found in `dir` (a file: URL of the folder that
 * holds worker-entry.js, ending in `/`): the bundle's boot file when the
 * bundle exists and no input listed in its inputs file is newer than it,
 * else the module graph's entry file.
 * Reads file times only; never throws for a missing or unreadable bundle.
 */
export function chooseWorkerScript(dir: URL): WorkerScript {
  const modules = (reason: string): WorkerScript => ({ url: new URL(WORKER_BUNDLE.entry, dir), kind: 'modules', reason });
  const bundle = new URL(WORKER_BUNDLE.script, dir);
  let bundleMs: number;
  let inputs: unknown;
  try {
    bundleMs = statSync(bundle).mtimeMs;
    inputs = (JSON.parse(readFileSync(new URL(WORKER_BUNDLE.inputs, dir), 'utf8')) as { inputs?: unknown }).inputs;
  } catch {
    return modules('no worker bundle (run `npm run build`)');
  }
  if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((p) => typeof p === 'string')) return modules(`${WORKER_BUNDLE.inputs} lists no inputs`);
  for (const input of inputs as string[]) {
    const file = fileURLToPath(new URL(input, dir));
    let inputMs: number;
    try {
      inputMs = statSync(file).mtimeMs;
    } catch {
      return modules(`worker bundle input ${input} is gone`);
    }
    if (inputMs > bundleMs) return modules(`${input} is newer than the worker bundle (run \`npm run build\`)`);
  }
  return { url: new URL(WORKER_BUNDLE.boot, dir), kind: 'bundle' };
}

/** Returns the worker entry of this installation's module graph (what the bundle is made from). */
export function moduleGraphScript(): WorkerScript {
  return { url: new URL(WORKER_BUNDLE.entry, import.meta.url), kind: 'modules', reason: 'asked for the module graph' };
}

let chosen: WorkerScript | undefined;

/** Returns the worker script of this installation, checked once per process (see `chooseWorkerScript`). */
export function workerScript(): WorkerScript {
  chosen ??= chooseWorkerScript(new URL('./', import.meta.url));
  return chosen;
}
