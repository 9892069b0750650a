/**
 * Entry file of a worker thread started from the build's bundle (see
 * worker-script.ts). The bundle is one CommonJS file; this compiles it with
 * the V8 code cache the build made next to it, so the worker skips parsing
 * and compiling about 1.8 MB of JavaScript, then serves the worker's control
 * plane (`serveWorker`, which the bundle exports). V8 refuses a cache made
 * by another V8 or under other flags (`cachedDataRejected`); the bundle is
 * then compiled as usual, to the same code.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { evaluateBundle, WORKER_BUNDLE, type CodeCacheUse } from './worker-bundle-files.js';

let cachedData: Buffer | undefined;
try {
  cachedData = readFileSync(fileURLToPath(new URL(WORKER_BUNDLE.codeCache, import.meta.url)));
} catch {
  cachedData = undefined;
}
const { script, exports } = evaluateBundle(fileURLToPath(new URL(WORKER_BUNDLE.script, import.meta.url)), cachedData);
const codeCache: CodeCacheUse = !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
exports.serveWorker(codeCache);
