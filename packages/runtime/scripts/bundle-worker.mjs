/**
 * Bundles the worker thread's entry (dist/worker-entry.js and everything it
 * imports) into one file, dist/worker-bundle.js, with esbuild. Run by the
 * build after `tsc -b`.
 *
 * Why: Node 20 loads an ES module graph file by file (resolve, stat, read,
 * compile for each of ~400 files) and does it again in every worker
 * isolate. Six node workers on two cores spent about 1.4 s of a default
 * run's 2.7 s starting; one file halves each worker's load.
 *
 * Next to the bundle it writes dist/worker-bundle.inputs.json: the build
 * outputs of this repository's packages that went into it. The runtime
 * (worker-script.ts) uses the bundle only while none of them is newer, so
 * a `tsc -b` without this step can never run stale worker code.
 */
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist');
const packagesDir = resolve(dist, '../..');
const outfile = resolve(dist, 'worker-bundle.js');

const result = await build({
  entryPoints: [resolve(dist, 'worker-entry.js')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  // why: CommonJS dependencies bundled into an ES module (yaml, protobufjs)
  // still call require() for Node built-ins; esbuild's ESM output has no
  // require, so the bundle defines one for its own location.
  banner: { js: "import { createRequire as cdmsimCreateRequire } from 'node:module'; const require = cdmsimCreateRequire(import.meta.url);" },
});

const inputs = Object.keys(result.metafile.inputs)
  .map((p) => resolve(p))
  .filter((p) => p.startsWith(packagesDir + '/') && !p.includes('/node_modules/'))
  .map((p) => relative(dist, p))
  .sort();
writeFileSync(resolve(dist, 'worker-bundle.inputs.json'), JSON.stringify({ inputs }, null, 1) + '\n');
console.log(`worker bundle: ${relative(process.cwd(), outfile)} from ${inputs.length} build outputs`);
