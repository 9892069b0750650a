/**
 * The workload registry: every workload cdmsim knows, registered once, and
 * the config format built from them. The first workload is the default (a
 * config without `kind` runs it). To add a workload: write its folder (see
 * the README's "Adding a workload") and add it to `WORKLOADS`.
 */
import { ConfigError } from '@cdmsim/engine';
import { ConfigFormat, WorkloadCatalog } from '@cdmsim/config';
import { coherenceRandom } from './coherence-random/index.js';
import { litmus } from './litmus/index.js';
import { mmStress } from './mm-stress/index.js';
import { sharedBuffer } from './shared-buffer/index.js';
import { session } from './session/index.js';
import type { AnyWorkload, WorkloadOutcomeBase } from './workload.js';

/** Every registered workload; the first is the default. */
export const WORKLOADS = [sharedBuffer, coherenceRandom, litmus, mmStress, session] as const;

/** The workload outcome of a run (results.json `workload`); discriminate on `kind`, or use a workload's `owns`. */
export type WorkloadOutcome = ReturnType<(typeof WORKLOADS)[number]['outcome']>;

const BY_KIND: ReadonlyMap<string, AnyWorkload> = new Map(WORKLOADS.map((w) => [w.kind, w as AnyWorkload]));

/** The config format of cdmsim: the machine plus every registered workload. */
export const configFormat = new ConfigFormat(new WorkloadCatalog(WORKLOADS.map((w) => w.config)));

/**
 * Returns the registered workload of `kind`.
 * @throws ConfigError naming the known kinds when `kind` is not registered.
 */
export function workloadOf(kind: string): AnyWorkload {
  const w = BY_KIND.get(kind);
  if (!w) throw new ConfigError(`unknown workload kind "${kind}" (known: ${configFormat.catalog.kindsText})`);
  return w;
}

/** Returns the registered workload whose outcome `outcome` is (see `workloadOf`). */
export function workloadOfOutcome(outcome: WorkloadOutcomeBase): AnyWorkload {
  return workloadOf(outcome.kind);
}
