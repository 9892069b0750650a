/**
 * Sweeps: many independent simulations (seeds, configs, modes) run in
 * parallel on one machine by a piscina pool. Each pool thread runs one whole
 * simulation at a time, which spawns its own node workers; the pool bounds
 * how many simulations share the machine's cores.
 */
import { CdmsimError } from '@cdmsim/engine';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { SimConfig } from '@cdmsim/config';
import type { RunMode } from '@cdmsim/kernel';
import type { RunResult } from './results.js';
import type { WorkerCount } from './partition.js';

/** One simulation of a sweep. */
export interface SweepJob {
  readonly config: SimConfig;
  readonly seed: number;
  readonly mode: RunMode;
  /** Deterministic mode: worker threads of each simulation (default one per node). */
  readonly workers?: WorkerCount;
}

/** The row a sweep keeps of one run (the full result stays in the pool thread). */
export interface SweepRow {
  readonly machine: string;
  readonly seed: number;
  readonly mode: RunMode;
  readonly simTimePs: number;
  readonly eventLogHash: string;
  readonly dataHash: string;
  readonly verified: boolean;
  readonly problems: readonly string[];
  readonly events: number;
  readonly messages: number;
  readonly linkBytes: number;
  readonly wallMs: number;
}

/** Options of `runSweep`. */
export interface SweepOptions {
  /** Simulations at once (default: half the CPUs, at least 1: each simulation has its own node workers). */
  readonly maxThreads?: number;
}

/** Returns the sweep row of a full result. */
export function sweepRow(result: RunResult): SweepRow {
  return {
    machine: result.config.topology.name,
    seed: result.seed,
    mode: result.host.mode,
    simTimePs: result.simTimePs,
    eventLogHash: result.eventLogHash,
    dataHash: result.workload.dataHash,
    verified: result.workload.verified,
    problems: result.workload.problems,
    events: result.totals.events,
    messages: result.totals.messages,
    linkBytes: result.totals.linkBytes,
    wallMs: result.host.wallMs,
  };
}

/**
 * Runs every job on a piscina pool and returns their rows in job order.
 * Rejects with the first failure (its message names the node and the seed).
 * @example
 * ```ts
 * const rows = await runSweep([1, 2, 3].map((seed) => ({ config: defaultConfig(), seed, mode: 'deterministic' as const })));
 * ```
 */
export async function runSweep(jobs: readonly SweepJob[], options: SweepOptions = {}): Promise<SweepRow[]> {
  const threads = options.maxThreads ?? Math.max(1, Math.floor(availableParallelism() / 2));
  const pool = new Piscina<SweepJob, SweepRow>({
    filename: new URL('./sweep-task.js', import.meta.url).href,
    minThreads: 1,
    maxThreads: Math.max(1, Math.min(threads, jobs.length)),
  });
  try {
    return await Promise.all(
      jobs.map((job) =>
        pool.run(job).catch((e: unknown) => {
          const message = e instanceof Error ? e.message : String(e);
          throw new CdmsimError(`seed ${job.seed} (${job.mode}): ${message}`);
        }),
      ),
    );
  } finally {
    await pool.destroy();
  }
}
