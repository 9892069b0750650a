/**
 * Sweeps across machines on BullMQ over Redis. The points of a grid are
 * jobs of one queue (`cdmsim-points`), each with the id
 * `SWEEP-INDEX` — SWEEP a digest of the whole grid, so enqueueing the same
 * sweep twice adds nothing and two sweeps never mix. Workers on any machine
 * take jobs and run each point in their piscina pool; a job's return value
 * is the point's result. A worker killed mid-point leaves its job locked
 * until the lock expires; BullMQ's stalled-job check then puts it back for
 * another worker (retried at most `MAX_STALLED_RETRIES` times). Collecting
 * reads each point's job once by its id, so a point counts once however
 * many times it ran. No scheduling of our own: BullMQ hands out the jobs.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Piscina } from 'piscina';
import { CdmsimError, ConfigError } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import type { RunMode } from '@cdmsim/kernel';
import type { GridOutcome, GridPoint } from './grid.js';
import type { RunResult } from './results.js';
import type { WorkerCount } from './partition.js';

/** The queue every sweep's points go through. */
export const POINTS_QUEUE = 'cdmsim-points';
/** How often a killed worker's point may go back to the queue before it counts as failed. */
export const MAX_STALLED_RETRIES = 3;

/**
 * BullMQ and ioredis, loaded on the first queue call: together they are a
 * quarter of a second of module loading that every other command (a run, a
 * stress, a local sweep) would pay for nothing.
 */
async function queueLibraries() {
  const [bullmq, ioredis] = await Promise.all([import('bullmq'), import('ioredis')]);
  return { Queue: bullmq.Queue, Worker: bullmq.Worker, Redis: ioredis.Redis };
}

/** What a job carries: everything a worker needs to run the point alone. */
export interface PointJobData {
  readonly sweep: string;
  readonly index: number;
  readonly label: string;
  readonly config: SimConfig;
  readonly seed: number;
  readonly mode: RunMode;
  readonly workers?: WorkerCount;
}

/**
 * Resolves with a Redis connection for `url` (`redis://HOST:PORT[/DB]`),
 * not yet connected, that gives up after a few attempts instead of retrying
 * forever.
 * @throws ConfigError when `url` is not a redis:// URL.
 */
export async function redisConnection(url: string): Promise<Redis> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`--queue ${url}: expected redis://HOST:PORT`);
  }
  if (parsed.protocol !== 'redis:' || parsed.hostname === '') throw new ConfigError(`--queue ${url}: expected redis://HOST:PORT`);
  const { Redis } = await queueLibraries();
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    connectTimeout: 3000,
    retryStrategy: (times) => (times > 5 ? null : 200 * times),
    lazyConnect: true,
  });
  // why: without a listener ioredis prints every failed attempt to stderr;
  // the failure reaches the caller once, through connect() or the command
  // that failed, with the server named.
  redis.on('error', () => undefined);
  return redis;
}

/** Connects `redis`, turning a refusal into an error that names the server. */
async function connect(redis: Redis, url: string): Promise<void> {
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw new CdmsimError(`cannot reach Redis at ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Returns the digest naming a sweep: its points' configs, seeds and engines (the same grid gives the same id). */
export function sweepId(points: readonly GridPoint[]): string {
  const h = createHash('sha256');
  for (const p of points) h.update(JSON.stringify([p.index, p.config, p.seed, p.mode, p.workers ?? null]));
  return h.digest('hex').slice(0, 16);
}

const jobId = (sweep: string, index: number): string => `${sweep}-${index}`;

/**
 * Adds every point as a job (ids `SWEEP-INDEX`; points already queued are
 * left as they are). Returns the sweep id and how many jobs were new.
 * @throws CdmsimError naming the server when Redis cannot be reached.
 * @example
 * ```ts
 * const { sweep } = await enqueueGrid(resolveGrid(loadSweepFile('grid.yaml')), 'redis://127.0.0.1:6379');
 * ```
 */
export async function enqueueGrid(points: readonly GridPoint[], url: string): Promise<{ sweep: string; added: number; total: number }> {
  const redis = await redisConnection(url);
  await connect(redis, url);
  const { Queue } = await queueLibraries();
  const queue = new Queue<PointJobData, RunResult>(POINTS_QUEUE, { connection: redis });
  try {
    const sweep = sweepId(points);
    let added = 0;
    for (const p of points) {
      const id = jobId(sweep, p.index);
      if (await queue.getJob(id)) continue;
      const data: PointJobData = { sweep, index: p.index, label: p.label, config: p.config, seed: p.seed, mode: p.mode, ...(p.workers !== undefined ? { workers: p.workers } : {}) };
      await queue.add('point', data, { jobId: id, attempts: 1, removeOnComplete: false, removeOnFail: false });
      added++;
    }
    return { sweep, added, total: points.length };
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** Options of a queue worker. */
export interface QueueWorkerOptions {
  /** Points run at once, each a whole simulation (default: half the CPUs, at least 1). */
  readonly jobs?: number;
  /** How long a point's lock lasts without renewal: a killed worker's point goes back after about this long (default 30 s). */
  readonly lockMs?: number;
  /** Called when a point starts and when it ends (for logs). */
  readonly onEvent?: (event: 'started' | 'completed' | 'failed', data: PointJobData, detail?: string) => void;
}

/** A running queue worker. */
export interface QueueWorker {
  /** Stops taking points, waits for the running ones, disconnects. */
  close(): Promise<void>;
}

/**
 * Starts a worker that takes points from the queue at `url` and runs each
 * in its piscina pool until `close()`. A point whose simulation fails is
 * stored as failed with the error (it is not retried: it would fail again).
 * @throws CdmsimError naming the server when Redis cannot be reached.
 * @example
 * ```ts
 * const worker = await startQueueWorker('redis://10.0.0.5:6379', { jobs: 2 });
 * process.on('SIGTERM', () => void worker.close());
 * ```
 */
export async function startQueueWorker(url: string, options: QueueWorkerOptions = {}): Promise<QueueWorker> {
  const redis = await redisConnection(url);
  await connect(redis, url);
  const { Worker } = await queueLibraries();
  const jobs = options.jobs ?? Math.max(1, Math.floor(availableParallelism() / 2));
  const pool = new Piscina<{ config: SimConfig; seed: number; mode: RunMode; workers?: WorkerCount }, RunResult>({
    filename: new URL('./grid-task.js', import.meta.url).href,
    minThreads: 1,
    maxThreads: jobs,
  });
  const lockDuration = options.lockMs ?? 30_000;
  const worker = new Worker<PointJobData, RunResult>(
    POINTS_QUEUE,
    async (job: Job<PointJobData, RunResult>) => {
      const d = job.data;
      options.onEvent?.('started', d);
      try {
        const { trace: _trace, ...result } = await pool.run({ config: d.config, seed: d.seed, mode: d.mode, ...(d.workers !== undefined ? { workers: d.workers } : {}) });
        options.onEvent?.('completed', d);
        return result;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        options.onEvent?.('failed', d, message);
        throw new Error(message);
      }
    },
    { connection: redis, concurrency: jobs, lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)), maxStalledCount: MAX_STALLED_RETRIES },
  );
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await pool.destroy();
      redis.disconnect();
    },
  };
}

/** Options of `collectGrid`. */
export interface CollectOptions {
  /** Give up after this long (default: wait as long as it takes). */
  readonly timeoutMs?: number;
  /** How often to look (default 500 ms). */
  readonly pollMs?: number;
  /** Called as each point's outcome is first seen. */
  readonly onPoint?: (outcome: GridOutcome, done: number, total: number) => void;
}

/**
 * Waits until every point of the sweep is completed or failed in the queue
 * at `url`; returns the outcomes in point order, each read once from its
 * job (its result, or the error it failed with).
 * @throws CdmsimError when a point was never queued, or when `timeoutMs` passes first (naming how many points are still open).
 * @example
 * ```ts
 * const outcomes = await collectGrid(resolveGrid(loadSweepFile('grid.yaml')), 'redis://127.0.0.1:6379');
 * ```
 */
export async function collectGrid(points: readonly GridPoint[], url: string, options: CollectOptions = {}): Promise<GridOutcome[]> {
  const redis = await redisConnection(url);
  await connect(redis, url);
  const { Queue } = await queueLibraries();
  const queue = new Queue<PointJobData, RunResult>(POINTS_QUEUE, { connection: redis });
  const sweep = sweepId(points);
  const outcomes = new Map<number, GridOutcome>();
  const started = Date.now();
  try {
    for (;;) {
      for (const p of points) {
        if (outcomes.has(p.index)) continue;
        const job = await queue.getJob(jobId(sweep, p.index));
        if (!job) throw new CdmsimError(`sweep ${sweep}: point ${p.index} (${p.label}) is not in the queue at ${url}; enqueue the sweep first (cdmsim sweep FILE --queue ${url})`);
        const state = await job.getState();
        let outcome: GridOutcome | undefined;
        if (state === 'completed') outcome = { point: p, result: job.returnvalue };
        else if (state === 'failed') outcome = { point: p, error: job.failedReason || 'failed' };
        if (outcome) {
          outcomes.set(p.index, outcome);
          options.onPoint?.(outcome, outcomes.size, points.length);
        }
      }
      if (outcomes.size === points.length) return points.map((p) => outcomes.get(p.index)!);
      if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
        throw new CdmsimError(`sweep ${sweep}: ${points.length - outcomes.size} of ${points.length} points still open after ${options.timeoutMs} ms (are workers running? cdmsim worker --queue ${url})`);
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
    }
  } finally {
    await queue.close();
    redis.disconnect();
  }
}
