/**
 * One-line descriptions of a run's workload and of its check, for the
 * summary and the HTML report, whatever the workload kind: each registered
 * workload words its own.
 */
import { workloadOfOutcome, type WorkloadOutcome } from '@cdmsim/workloads';

/** Returns what the workload did, in one line. */
export function describeWorkload(w: WorkloadOutcome): string {
  return workloadOfOutcome(w).describe(w);
}

/** Returns the result of the workload's check, in one line. */
export function describeCheck(w: WorkloadOutcome): string {
  if (!w.verified) return `FAILED: ${w.problems.join('; ')}`;
  return workloadOfOutcome(w).describeCheck(w);
}
