/**
 * A piscina task of a grid sweep: runs one point's simulation inside a pool
 * thread and returns its whole result (the caller writes its files).
 */
import type { SimConfig } from '@cdmsim/config';
import type { RunMode } from '@cdmsim/kernel';
import { runSimulation } from './simulation.js';
import type { RunResult } from './results.js';
import type { WorkerCount } from './partition.js';

/** Runs one point to the end; resolves with its result. */
export default async function runGridPoint(job: { config: SimConfig; seed: number; mode: RunMode; workers?: WorkerCount }): Promise<RunResult> {
  return runSimulation(job.config, { seed: job.seed, mode: job.mode, ...(job.workers !== undefined ? { workers: job.workers } : {}) });
}
