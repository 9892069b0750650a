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
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { commonJsWrapper, WORKER_BUNDLE, type CodeCacheUse } from './worker-bundle-files.js';
import type { serveWorker } from './worker-api.js';

type CommonJsFunction = (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;

const file = fileURLToPath(new URL(WORKER_BUNDLE.script, import.meta.url));
let cachedData: Buffer | undefined;
try {
  cachedData = readFileSync(fileURLToPath(new URL(WORKER_BUNDLE.codeCache, import.meta.url)));
} catch {
  cachedData = undefined;
}
const script = new Script(commonJsWrapper(readFileSync(file, 'utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
const codeCache: CodeCacheUse = !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
const bundle = { exports: {} as { serveWorker?: typeof serveWorker } };
(script.runInThisContext() as CommonJsFunction)(bundle.exports, createRequire(file), bundle, file, dirname(file));
if (typeof bundle.exports.serveWorker !== 'function') throw new TypeError(`${file} exports no serveWorker(): rebuild it (npm run build)`);
bundle.exports.serveWorker(codeCache);
