/**
 * The files of the build's one-file worker bundle (scripts/bundle-worker.mjs
 * makes them, worker-script.ts and worker-boot.ts use them), all in the
 * runtime's dist folder, and the one way the bundle is compiled and
 * evaluated (`evaluateBundle`): the code cache the build makes is keyed on
 * the exact string compiled, so the build and the worker must compile it
 * identically.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import type { serveWorker } from './worker-api.js';

export const WORKER_BUNDLE = {
  /** The bundle: worker-api.js and everything it imports, one CommonJS file. */
  script: 'worker-bundle.cjs',
  /** V8's code cache of the wrapped bundle, made by the build after evaluating it. */
  codeCache: 'worker-bundle.cjs.v8-cache',
  /** JSON `{ inputs: string[] }`: the build outputs the bundle was made from, relative to dist/. */
  inputs: 'worker-bundle.inputs.json',
  /** The worker's start file when the bundle is used. */
  boot: 'worker-boot.js',
  /** The worker's start file when the module graph is used. */
  entry: 'worker-entry.js',
} as const;

/** Whether a worker compiled the bundle with the build's code cache: `used`, `rejected` by V8 (another V8 or other flags), or `none` (module graph, or no cache file). */
export type CodeCacheUse = 'used' | 'rejected' | 'none';

/** What the bundle exports. */
export interface WorkerBundleExports {
  readonly serveWorker: typeof serveWorker;
}

type CommonJsFunction = (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;

/**
 * Compiles the bundle at path `file` as Node wraps a CommonJS module (with
 * V8 code cache `cachedData` when given) and evaluates its top level
 * (nothing starts: it only exports). Returns the compiled script (for
 * `createCachedData`, and `cachedDataRejected`) and the exports.
 * @throws TypeError when the file exports no `serveWorker` (an old or foreign bundle).
 */
export function evaluateBundle(file: string, cachedData?: Buffer): { readonly script: Script; readonly exports: WorkerBundleExports } {
  const source = readFileSync(file, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const bundle = { exports: {} as Partial<WorkerBundleExports> };
  (script.runInThisContext() as CommonJsFunction)(bundle.exports, createRequire(file), bundle, file, dirname(file));
  if (typeof bundle.exports.serveWorker !== 'function') throw new TypeError(`${file} exports no serveWorker(): rebuild it (npm run build)`);
  return { script, exports: bundle.exports as WorkerBundleExports };
}
