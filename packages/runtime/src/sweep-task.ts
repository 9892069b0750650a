/**
 * A piscina task: runs one simulation of a sweep inside a pool thread and
 * returns its sweep row.
 */
import { runSimulation } from './simulation.js';
import { sweepRow, type SweepJob, type SweepRow } from './sweep.js';

/** Runs `job` to the end; resolves with its row. */
export default async function runSweepJob(job: SweepJob): Promise<SweepRow> {
  return sweepRow(await runSimulation(job.config, { seed: job.seed, mode: job.mode, ...(job.workers !== undefined ? { workers: job.workers } : {}) }));
}
