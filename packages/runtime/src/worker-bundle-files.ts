/**
 * The files of the build's one-file worker bundle (scripts/bundle-worker.mjs
 * makes them, worker-script.ts and worker-boot.ts use them), all in the
 * runtime's dist folder, and the one way its source is wrapped for V8: the
 * code cache the build makes is keyed on the exact string compiled, so the
 * build and the worker must wrap the bundle identically.
 */
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

/** Returns `source` wrapped as the function Node wraps a CommonJS module in (parameters exports, require, module, __filename, __dirname). */
export function commonJsWrapper(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
}
