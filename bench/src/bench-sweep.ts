/**
 * Sweep throughput, in one run, on one grid (the built-in machine, 256 KiB
 * shared buffer, two values of accessesPerDevice × four seeds, sequential
 * engine: eight points of about the same size):
 *
 * - `sweep-queue-workers`: points per wall second through BullMQ on a real
 *   redis-server on loopback with two `cdmsim worker` processes (one
 *   piscina thread each) against one. The clock runs from enqueueing the
 *   grid until `collectGrid` has every point; the workers are started and
 *   ready before, so process start-up is outside the figure for both.
 *   Variant: the local piscina sweep with one thread, against the same
 *   baseline (what the queue costs).
 * - `sweep-local-threads`: points per wall second of the local sweep
 *   (`runGrid`, one piscina pool) with two threads against one.
 *
 * Needs Debian's redis-server (`REDIS_SERVER_PATH`, default
 * /usr/bin/redis-server) and the built CLI.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadSweepFile } from '@cdmsim/config';
import { collectGrid, enqueueGrid, resolveGrid, runGrid, type GridOutcome, type GridPoint } from '@cdmsim/runtime';
import { startLoopbackRedis, startUntilReady } from '@cdmsim/runtime/testing';
import type { Benchmark, Measurement } from './harness.js';
const CLI = join(import.meta.dirname, '..', '..', 'packages', 'cdmsim', 'dist', 'main.js');
const SEEDS = 4;
const GRID = ['set: { workload.bufferSize: 256KiB }', 'axes:', '  workload.accessesPerDevice: [12000, 16000]', `seeds: 1..${SEEDS}`, 'mode: sequential'].join('\n');

/** The benchmark's grid points. */
function gridPoints(): GridPoint[] {
  const dir = mkdtempSync(join(tmpdir(), 'cdmsim-bench-sweep-'));
  try {
    const file = join(dir, 'grid.yaml');
    writeFileSync(file, GRID);
    return resolveGrid(loadSweepFile(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Returns the outcomes' failures as one message, or undefined when every point ran and passed its check. */
function failures(outcomes: readonly GridOutcome[]): string | undefined {
  const bad = outcomes.filter((o) => !o.result || !o.result.workload.verified);
  return bad.length === 0 ? undefined : bad.map((o) => `${o.point.label}: ${o.error ?? 'check failed'}`).join('; ');
}

const pointsPerSecond = (points: number, ms: number): Measurement => ({ figure: points / (ms / 1000), unit: 'points/s' });

/** Points per second of the local sweep on a pool of `threads`. */
async function localSweep(points: readonly GridPoint[], threads: number): Promise<Measurement> {
  const t0 = performance.now();
  const outcomes = await runGrid(points, { maxThreads: threads });
  const ms = performance.now() - t0;
  const bad = failures(outcomes);
  if (bad) throw new Error(`local sweep on ${threads} thread(s): ${bad}`);
  return pointsPerSecond(points.length, ms);
}

/** Points per second through the queue at `url` with `workers` worker processes of one thread each. */
async function queueSweep(points: readonly GridPoint[], url: string, workers: number): Promise<Measurement> {
  const children = await Promise.all(Array.from({ length: workers }, () => startUntilReady(process.execPath, [CLI, 'worker', '--queue', url, '--jobs', '1'], /^worker ready/)));
  try {
    const t0 = performance.now();
    await enqueueGrid(points, url);
    const outcomes = await collectGrid(points, url, { pollMs: 50, timeoutMs: 600_000 });
    const ms = performance.now() - t0;
    const bad = failures(outcomes);
    if (bad) throw new Error(`queue sweep with ${workers} worker(s): ${bad}`);
    return pointsPerSecond(points.length, ms);
  } finally {
    for (const c of children) c.kill('SIGKILL');
  }
}

/** Runs `body` with a redis-server on a free loopback port; each call of `db()` names a fresh database, so the same grid is queued anew. */
async function withRedis<T>(body: (db: () => string) => Promise<T>): Promise<T> {
  const redis = await startLoopbackRedis();
  let next = 0;
  try {
    return await body(() => `${redis.url}/${++next}`);
  } finally {
    redis.stop();
  }
}

export const benchmarks: Benchmark[] = [
  {
    name: 'sweep-queue-workers',
    description: `sweep points per wall second through BullMQ on a loopback redis-server: 2 cdmsim worker processes (1 thread each) vs 1; ${2 * SEEDS} sequential points of the built-in machine (256 KiB buffer, accessesPerDevice 12000 and 16000, seeds 1..${SEEDS}); clock from enqueue to the last point collected, workers started before; variant: the local piscina sweep on 1 thread`,
    baselineName: '1 worker process',
    async run() {
      const points = gridPoints();
      return withRedis(async (db) => {
        await queueSweep(points.slice(0, 2), db(), 1); // warm-up: the OS page cache, redis, the first BullMQ scripts
        const baseline = await queueSweep(points, db(), 1);
        const subject = await queueSweep(points, db(), 2);
        const local = await localSweep(points, 1);
        return { subject, baseline, details: { points: points.length, mode: 'sequential' }, variants: [{ name: 'local piscina, 1 thread', subject: local }] };
      });
    },
  },
  {
    name: 'sweep-local-threads',
    description: `local sweep points per wall second (runGrid, one piscina pool): 2 threads vs 1, on the same ${2 * SEEDS} sequential points`,
    baselineName: '1 thread',
    async run() {
      const points = gridPoints();
      await localSweep(points.slice(0, 2), 1); // warm-up
      const baseline = await localSweep(points, 1);
      const subject = await localSweep(points, 2);
      return { subject, baseline, details: { points: points.length, mode: 'sequential' } };
    },
  },
];
