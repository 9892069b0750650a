/**
 * `npm run bench`: runs every benchmark one after another, prints a table
 * and writes one JSON file per benchmark to bench/results/. Never asserts:
 * figures are read as ratios against the baseline measured in the same run.
 * `node bench/dist/run-all.js NAME...` runs only the named benchmarks.
 */
import { join } from 'node:path';
import Table from 'cli-table3';
import { runBenchmarks, writeResults, type Benchmark } from './harness.js';
import { benchmarks as ring } from './bench-ring.js';
import { benchmarks as bus } from './bench-bus.js';
import { benchmarks as codec } from './bench-codec.js';
import { benchmarks as pageTable } from './bench-page-table.js';
import { benchmarks as simulation } from './bench-simulation.js';
import { benchmarks as coherence } from './bench-coherence.js';
import { benchmarks as mm } from './bench-mm.js';
import { benchmarks as parallel } from './bench-parallel.js';
import { benchmarks as sweep } from './bench-sweep.js';
import { benchmarks as hmm } from './bench-hmm.js';

const all: Benchmark[] = [...ring, ...bus, ...codec, ...pageTable, ...simulation, ...coherence, ...mm, ...parallel, ...sweep, ...hmm];
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.some((b) => b.name === w));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}
const selected = wanted.length > 0 ? all.filter((b) => wanted.includes(b.name)) : all;
const results = await runBenchmarks(selected);
const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));
const table = new Table({ head: ['benchmark', 'figure', 'unit', 'baseline', 'baseline figure', 'ratio'] });
for (const r of results) {
  table.push([r.name, fmt(r.figure), r.unit, r.baselineName, fmt(r.baselineFigure), r.ratio.toFixed(3)]);
  for (const v of r.variants ?? []) table.push([`  ${v.name}`, fmt(v.figure), r.unit, r.baselineName, fmt(v.baselineFigure), v.ratio.toFixed(3)]);
}
process.stdout.write(`${table.toString()}\n`);
const files = writeResults(results, join(import.meta.dirname, '..', 'results'));
process.stdout.write(`wrote ${files.length} files to bench/results/\n`);
