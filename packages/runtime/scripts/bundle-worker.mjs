/**
 * Bundles the worker thread's code (dist/worker-api.js and everything it
 * imports) into one CommonJS file, dist/worker-bundle.cjs, with esbuild,
 * and makes V8's code cache of it. Run by the build after `tsc -b`; the
 * file names and the wrapper come from dist/worker-bundle-files.js.
 *
 * Why: Node 20 loads an ES module graph file by file (resolve, stat, read,
 * compile for each of ~400 files) and does it again in every worker
 * isolate: six node workers on two cores spent about 1.35 s of a default
 * run's 2.7 s starting. One file halves that; compiling it from a code
 * cache (worker-boot.ts) saves most of the rest of the parse and compile.
 *
 * The cache is made after evaluating the bundle's top level here (nothing
 * starts: the bundle only exports serveWorker), so it holds the functions
 * that evaluation compiled too. Next to the bundle it writes
 * dist/worker-bundle.inputs.json: the build outputs of this repository's
 * packages that went into it. The runtime (worker-script.ts) uses the
 * bundle only while none of them is newer, so a `tsc -b` without this step
 * can never run stale worker code.
 */
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');
const packagesDir = resolve(dist, '../..');
const { WORKER_BUNDLE, evaluateBundle } = await import(resolve(dist, 'worker-bundle-files.js'));
const outfile = resolve(dist, WORKER_BUNDLE.script);

const result = await build({
  entryPoints: [resolve(dist, 'worker-api.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  // why: the sources are ES modules, which are strict; a CommonJS file is not unless it says so.
  banner: { js: "'use strict';" },
});

// The code cache: compile the bundle as worker-boot.ts does, evaluate its top level, then serialise.
const { script } = evaluateBundle(outfile);
writeFileSync(resolve(dist, WORKER_BUNDLE.codeCache), script.createCachedData());

const inputs = Object.keys(result.metafile.inputs)
  .map((p) => resolve(p))
  .filter((p) => p.startsWith(packagesDir + '/') && !p.includes('/node_modules/'))
  .map((p) => relative(dist, p))
  .sort();
writeFileSync(resolve(dist, WORKER_BUNDLE.inputs), JSON.stringify({ inputs }, null, 1) + '\n');
console.log(`worker bundle: ${relative(process.cwd(), outfile)} from ${inputs.length} build outputs, with its V8 code cache`);
