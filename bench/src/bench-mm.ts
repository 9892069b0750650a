/**
 * Memory-manager figures: mm operations per wall second of the mm stress on
 * node workers (built-in mm-stress machine: 2 CPU nodes, 3 device drivers,
 * every operation followed by the data and invariant checks) in both run
 * modes, against the same kind of stress in-process on one thread.
 */
import { mmStressConfig } from '@cdmsim/config';
import { runMmStress } from '@cdmsim/mm';
import { runSimulation, type RunMode } from '@cdmsim/runtime';
import type { Benchmark } from './harness.js';

const OPS_PER_CPU = 600;

async function onWorkers(mode: RunMode): Promise<{ ops: number; wallMs: number; dmaRequests: number }> {
  const base = mmStressConfig();
  if (base.workload.kind !== 'mm-stress') throw new Error('the mm-stress machine lost its workload');
  const r = await runSimulation({ ...base, workload: { ...base.workload, opsPerCpu: OPS_PER_CPU } }, { seed: 1, mode });
  if (r.workload.kind !== 'mm-stress' || !r.workload.verified) throw new Error(`mm stress on workers failed: ${JSON.stringify(r.workload.problems ?? [])}`);
  const ops = Object.values(r.workload.operations).reduce((a, b) => a + b, 0);
  return { ops, wallMs: r.host.wallMs, dmaRequests: r.workload.dmaRequests };
}

function inProcess(): { ops: number; wallMs: number } {
  const t0 = performance.now();
  const r = runMmStress({ seed: 1, steps: 2 * OPS_PER_CPU });
  if (!r.ok) throw new Error(`in-process mm stress failed: ${r.failure?.message}`);
  return { ops: r.steps, wallMs: performance.now() - t0 };
}

export const benchmarks: Benchmark[] = (['deterministic', 'free'] as const).map(
  (mode): Benchmark => ({
    name: `mm-stress-ops-workers-${mode}-vs-in-process`,
    description: `mm operations per wall second, each followed by the data and invariant checks: ${OPS_PER_CPU} per CPU node on node workers (${mode} mode, drivers on the device workers)`,
    baselineName: 'the in-process mm stress on one thread (same checks, no workers, synchronous drivers)',
    async run() {
      const w = await onWorkers(mode);
      const b = inProcess();
      return {
        subject: { figure: w.ops / (w.wallMs / 1000), unit: 'ops/s' },
        baseline: { figure: b.ops / (b.wallMs / 1000), unit: 'ops/s' },
        details: { workerOps: w.ops, workerWallMs: Math.round(w.wallMs), dmaRequests: w.dmaRequests, inProcessOps: b.ops, inProcessWallMs: Math.round(b.wallMs) },
      };
    },
  }),
);
