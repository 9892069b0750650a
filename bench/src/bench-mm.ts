/**
 * Memory-manager figures: mm operations per wall second of the mm stress on
 * node workers (built-in mm-stress machine: 2 CPU nodes, 3 device drivers,
 * every operation followed by the data and invariant checks) in both run
 * modes, against the same kind of stress in-process on one thread; and
 * what modelling the coherent caches costs (caches on vs off, same seed).
 */
import { CdmsimError } from '@cdmsim/engine';
import { mmStress, mmStressConfig } from '@cdmsim/workloads';
import { runMmStress } from '@cdmsim/mm/testing';
import { runSimulation, type RunMode } from '@cdmsim/runtime';
import type { Benchmark } from './harness.js';

const OPS_PER_CPU = 600;

interface WorkerRun {
  ops: number;
  wallMs: number;
  simPs: number;
  dmaRequests: number;
  coherenceMessages: number;
  misses: number;
  linesRecalled: number;
}

async function onWorkers(mode: RunMode, caches = true): Promise<WorkerRun> {
  const r = await runSimulation(mmStressConfig({ opsPerCpu: OPS_PER_CPU, caches }), { seed: 1, mode });
  if (!mmStress.owns(r.workload) || !r.workload.verified) throw new CdmsimError(`mm stress on workers failed: ${JSON.stringify(r.workload.problems ?? [])}`);
  const ops = Object.values(r.workload.operations).reduce((a, b) => a + b, 0) + r.workload.cachedReads;
  const c = r.workload.coherence;
  return { ops, wallMs: r.host.wallMs, simPs: r.simTimePs, dmaRequests: r.workload.dmaRequests, coherenceMessages: c?.messages ?? 0, misses: c?.misses ?? 0, linesRecalled: c?.linesRecalled ?? 0 };
}

function inProcess(): { ops: number; wallMs: number } {
  const t0 = performance.now();
  const r = runMmStress({ seed: 1, steps: 2 * OPS_PER_CPU });
  if (!r.ok) throw new CdmsimError(`in-process mm stress failed: ${r.failure?.message}`);
  return { ops: r.steps, wallMs: performance.now() - t0 };
}

const modes: Benchmark[] = (['deterministic', 'free'] as const).map(
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
        details: { workerOps: w.ops, workerWallMs: Math.round(w.wallMs), dmaRequests: w.dmaRequests, coherenceMessages: w.coherenceMessages, inProcessOps: b.ops, inProcessWallMs: Math.round(b.wallMs) },
      };
    },
  }),
);

const caches: Benchmark = {
  name: 'mm-stress-ops-workers-caches-vs-no-caches',
  description: `mm operations per wall second on node workers (deterministic mode, ${OPS_PER_CPU} per CPU node) with the coherent caches modelled: stores through 4-line MOESI caches, DMA sources recalled, freed frames invalidated`,
  baselineName: 'the same stress and seed with caches: false (page contents always current)',
  async run() {
    const on = await onWorkers('deterministic', true);
    const off = await onWorkers('deterministic', false);
    return {
      subject: { figure: on.ops / (on.wallMs / 1000), unit: 'ops/s' },
      baseline: { figure: off.ops / (off.wallMs / 1000), unit: 'ops/s' },
      details: {
        opsWithCaches: on.ops,
        opsWithoutCaches: off.ops,
        coherenceMessages: on.coherenceMessages,
        misses: on.misses,
        linesRecalled: on.linesRecalled,
        simulatedUsWithCaches: Math.round(on.simPs / 1e6),
        simulatedUsWithoutCaches: Math.round(off.simPs / 1e6),
      },
    };
  },
};

export const benchmarks: Benchmark[] = [...modes, caches];
