/**
 * Random thread delays for testing the deterministic scheduler: a worker
 * sleeps for a random few microseconds at its synchronisation points, so
 * that workers arrive at barriers, drain rings and flush in orders the OS
 * scheduler rarely produces on an idle machine. A deterministic run must
 * give the same event-log hash with or without them. The delays come from
 * their own seeded stream, never from the model's.
 */
import { Rng } from '@cdmsim/engine';

/** How much to shake a run (plain data, posted to workers). */
export interface ScheduleJitter {
  /** Seed of the delay stream (independent of the run's seed). */
  readonly seed: number;
  /** Longest delay, in microseconds of wall time. */
  readonly maxDelayUs: number;
  /** Probability of a delay at each point (default 0.3). */
  readonly probability?: number;
}

/**
 * Thread delays of a replay check (`stress … --check-replay`): up to 300 µs
 * at 30 % of the scheduler's synchronisation points, enough to reorder
 * barrier arrivals, drains and flushes without making the rerun crawl.
 */
export const REPLAY_CHECK_JITTER = { maxDelayUs: 300, probability: 0.3 } as const;

/**
 * Returns the perturbation function of node `self`: each call sleeps a
 * random time up to `maxDelayUs` with the given probability.
 */
export function scheduleJitter(jitter: ScheduleJitter, self: number): () => void {
  const rng = new Rng(jitter.seed, 0x5eed + self);
  const p = jitter.probability ?? 0.3;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return () => {
    if (!rng.chance(p)) return;
    // why: waiting on a private word that never changes is a plain timed sleep of this thread.
    Atomics.wait(cell, 0, 0, rng.int(0, jitter.maxDelayUs) / 1000);
  };
}
