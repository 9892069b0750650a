/**
 * Fixtures shared by the cross-package tests: small configs that run fast,
 * and a runner that returns the deterministic part of a result.
 */
import type { SimConfig } from '@cdmsim/config';
import { deterministicPart, runSimulation, type RunMode, type RunResult } from '@cdmsim/runtime';
import { coherenceRandom, defaultConfig, litmus, mmStress, resolveConfig, sharedBuffer, workloadSpec, type CoherenceRandomWorkloadSpec, type LitmusWorkloadSpec, type MmStressRunOutcome, type SharedBufferOutcome, type SharedBufferWorkloadSpec } from '@cdmsim/workloads';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The built CLI entry point (tests run after `npm run build`). */
export const CLI = join(import.meta.dirname, '..', 'packages', 'cdmsim', 'dist', 'main.js');

/** Runs `cdmsim ARGS` in a child process; resolves with its exit code, stdout and stderr (never rejects on a non-zero exit). */
export function runCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [CLI, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** Runs `config` (an mm-stress machine) and returns its mm-stress outcome. @throws when the run fails (a NodeFailure naming node and seed). */
export async function runMmStressOutcome(config: SimConfig, seed: number, mode: RunMode): Promise<MmStressRunOutcome> {
  const r = await runSimulation(config, { seed, mode });
  if (!mmStress.owns(r.workload)) throw new Error(`expected an mm-stress outcome, got ${r.workload.kind}`);
  return r.workload;
}

/** Runs `config`; resolves with the error the run ended with, or undefined when it succeeded. */
export function runError(config: SimConfig, options: { seed: number; mode: RunMode }): Promise<unknown> {
  return runSimulation(config, options).then(
    () => undefined,
    (e: unknown) => e,
  );
}

/** The default machine with a smaller workload (fast enough for unit-style tests). */
export function smallConfig(workload: Partial<SharedBufferWorkloadSpec> = {}): SimConfig<SharedBufferWorkloadSpec> {
  const base = defaultConfig();
  if (!sharedBuffer.runs(base)) throw new Error(`the built-in experiment runs ${base.workload.kind}`);
  return { ...base, workload: { ...base.workload, bufferBytes: 64 * 1024, accessesPerDevice: 96, ...workload } };
}

/** A resolved coherence-random workload from YAML-shaped fields (defaults filled, checked like a file). */
export function coherenceRandomWorkload(fields: Record<string, unknown> = {}): CoherenceRandomWorkloadSpec {
  return workloadSpec(coherenceRandom, fields);
}

/** A resolved litmus workload from YAML-shaped fields (`{ test: 'CoRR' }`). */
export function litmusWorkload(fields: Record<string, unknown>): LitmusWorkloadSpec {
  return workloadSpec(litmus, fields);
}

/** A two-node machine (one CPU, one GPU) for the quickest end-to-end runs. */
export function tinyConfig(): SimConfig {
  return resolveConfig({
    name: 'tiny',
    cpus: [{ name: 'cpu0', cores: 4, dram: { size: '1GiB', latencyNs: 90, bandwidthGBps: 100 }, cache: { size: '1MiB', ways: 8, lineSize: '64B', hitLatencyNs: 10 } }],
    devices: [
      {
        name: 'gpu0',
        kind: 'gpu',
        memory: { size: '1GiB', kind: 'public', latencyNs: 300, bandwidthGBps: 900 },
        cache: { size: '1MiB', ways: 8, lineSize: '64B', hitLatencyNs: 30 },
      },
    ],
    links: [{ between: ['cpu0', 'gpu0'], kind: 'nvlink', latencyNs: 100, bandwidthGBps: 50, headerBytes: 16, coherent: true }],
    workload: { bufferSize: '64KiB', accessesPerDevice: 64 },
  });
}

/** Returns the shared-buffer outcome of `result`. @throws when the run ran another workload. */
export function sharedBufferOutcome(result: RunResult): SharedBufferOutcome {
  if (!sharedBuffer.owns(result.workload)) throw new Error(`expected a shared-buffer outcome, got ${result.workload.kind}`);
  return result.workload;
}

/** Runs `config` and returns its result as JSON text without the host object. */
export async function runJson(config: SimConfig, seed: number, mode: RunMode = 'deterministic'): Promise<{ json: string; result: RunResult }> {
  const result = await runSimulation(config, { seed, mode });
  return { json: JSON.stringify(deterministicPart(result)), result };
}
