/**
 * Benchmark harness: every benchmark measures a figure beside a baseline
 * measured in the same run, so results are read as ratios (this machine is
 * shared and noisy; absolute figures drift between runs).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** One measured figure: a rate or a cost with its unit. */
export interface Measurement {
  readonly figure: number;
  readonly unit: string;
}

/** What a benchmark reports: its figure and the baseline's, same unit. */
export interface BenchResult {
  readonly name: string;
  readonly description: string;
  readonly figure: number;
  readonly unit: string;
  readonly baselineName: string;
  readonly baselineFigure: number;
  /** figure / baselineFigure. For rates higher is better; for costs lower is. */
  readonly ratio: number;
  /** Free-form details (batch sizes, counts) that explain the figure. */
  readonly details: Record<string, number | string>;
  /** Further subjects measured against the same baseline in the same run (each with its ratio). */
  readonly variants?: readonly VariantResult[];
}

/** A further subject of a benchmark, against the benchmark's baseline. */
export interface VariantResult {
  readonly name: string;
  readonly figure: number;
  readonly baselineFigure: number;
  readonly ratio: number;
}

/** A benchmark: runs its subject and its baseline, returns both figures. */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  readonly baselineName: string;
  run(): Promise<{ subject: Measurement; baseline: Measurement; details?: Record<string, number | string>; variants?: readonly { name: string; subject: Measurement }[] }>;
}

/**
 * Times `body(iterations)` repeatedly and returns the best rate in
 * operations per second. The best of several rounds filters out scheduler
 * noise from other processes on the machine; callers pass `opsPerCall`, the
 * number of operations one call of `body` performs.
 */
export function bestRate(body: () => void, opsPerCall: number, rounds = 5, minMs = 150): number {
  let best = 0;
  for (let round = 0; round < rounds; round++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      body();
      calls++;
      elapsed = performance.now() - start;
    } while (elapsed < minMs);
    best = Math.max(best, (calls * opsPerCall) / (elapsed / 1000));
  }
  return best;
}

/** Writes one JSON file per result to `dir` and returns their paths. */
export function writeResults(results: readonly BenchResult[], dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return results.map((r) => {
    const file = join(dir, `${r.name}.json`);
    writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
    return file;
  });
}

/** Runs benchmarks one after another (never in parallel: they would disturb each other). */
export async function runBenchmarks(benchmarks: readonly Benchmark[]): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const b of benchmarks) {
    process.stderr.write(`bench: ${b.name} ...\n`);
    const { subject, baseline, details, variants } = await b.run();
    for (const s of [subject, ...(variants ?? []).map((v) => v.subject)]) {
      if (s.unit !== baseline.unit) throw new Error(`benchmark ${b.name}: subject unit ${s.unit} differs from baseline unit ${baseline.unit}`);
    }
    results.push({
      name: b.name,
      description: b.description,
      figure: subject.figure,
      unit: subject.unit,
      baselineName: b.baselineName,
      baselineFigure: baseline.figure,
      ratio: subject.figure / baseline.figure,
      details: details ?? {},
      ...(variants ? { variants: variants.map((v) => ({ name: v.name, figure: v.subject.figure, baselineFigure: baseline.figure, ratio: v.subject.figure / baseline.figure })) } : {}),
    });
  }
  return results;
}
