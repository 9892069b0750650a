/**
 * Simulated time. Every timestamp and duration in cdmsim is an integer count
 * of picoseconds held in a JS number (exact up to 2^53 ps, about 2.5 hours of
 * simulated time), never wall-clock time.
 */

/** A simulated instant or duration in picoseconds (integer). */
export type Ps = number;

export const PS_PER_NS = 1_000;
export const PS_PER_US = 1_000_000;
export const PS_PER_MS = 1_000_000_000;
export const PS_PER_S = 1_000_000_000_000;

/** Returns `ns` nanoseconds as integer picoseconds (rounded to nearest). */
export function nsToPs(ns: number): Ps {
  return Math.round(ns * PS_PER_NS);
}

/**
 * Returns the time in picoseconds to serialise `bytes` onto a link of
 * `bandwidthBytesPerNs` (1 byte/ns = 1 GB/s), rounded up so that a busy link
 * never finishes early.
 */
export function serializationPs(bytes: number, bandwidthBytesPerNs: number): Ps {
  return Math.ceil((bytes * PS_PER_NS) / bandwidthBytesPerNs);
}

/** Formats a duration for people: picks ps, ns, µs, ms or s. */
export function formatPs(ps: Ps): string {
  const abs = Math.abs(ps);
  if (abs < PS_PER_NS) return `${ps} ps`;
  if (abs < PS_PER_US) return `${(ps / PS_PER_NS).toFixed(2)} ns`;
  if (abs < PS_PER_MS) return `${(ps / PS_PER_US).toFixed(3)} µs`;
  if (abs < PS_PER_S) return `${(ps / PS_PER_MS).toFixed(3)} ms`;
  return `${(ps / PS_PER_S).toFixed(3)} s`;
}
