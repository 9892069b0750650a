/**
 * Helpers for code that works with one workload kind: narrowing a config's
 * workload, and building a resolved workload spec from YAML-shaped fields
 * (defaults filled) to put into an existing machine.
 */
import { ConfigValidationError } from './issues.js';
import { toConfigIssues, workloadSpec } from './resolve.js';
import { configSchema } from './schema.js';
import type { CoherenceRandomWorkloadSpec, LitmusWorkloadSpec, MmStressWorkloadSpec, SharedBufferWorkloadSpec, SimConfig } from './types.js';

/**
 * Returns the config's workload as a shared-buffer spec.
 * @throws Error when the config runs another kind (a programming error: callers pick code by kind).
 */
export function sharedBufferSpec(config: SimConfig): SharedBufferWorkloadSpec {
  if (config.workload.kind !== 'shared-buffer') throw new Error(`shared-buffer code called for a ${config.workload.kind} workload`);
  return config.workload;
}

/**
 * Returns a resolved coherence-random workload from YAML-shaped fields
 * (`{ opsPerNode: 200 }`; absent fields take their defaults).
 * @throws ConfigValidationError naming the fields when they are invalid.
 */
export function coherenceRandomWorkload(fields: Record<string, unknown> = {}, source = '<coherence-random workload>'): CoherenceRandomWorkloadSpec {
  const parsed = configSchema.shape.workload.safeParse({ ...fields, kind: 'coherence-random' });
  if (!parsed.success) {
    throw new ConfigValidationError(toConfigIssues(parsed.error.issues.map((i) => ({ path: ['workload', ...(i.path as (string | number)[])], message: i.message })), source));
  }
  const spec = workloadSpec(parsed.data, () => {
    throw new Error('a coherence-random workload names no node');
  });
  if (spec.kind !== 'coherence-random') throw new Error('coherence-random workload resolved to another kind');
  return spec;
}

/**
 * Returns a resolved litmus workload from YAML-shaped fields (`{ test: 'CoRR' }`).
 * @throws ConfigValidationError naming the fields when they are invalid.
 */
export function litmusWorkload(fields: Record<string, unknown>, source = '<litmus workload>'): LitmusWorkloadSpec {
  const parsed = configSchema.shape.workload.safeParse({ ...fields, kind: 'litmus' });
  if (!parsed.success) {
    throw new ConfigValidationError(toConfigIssues(parsed.error.issues.map((i) => ({ path: ['workload', ...(i.path as (string | number)[])], message: i.message })), source));
  }
  const spec = workloadSpec(parsed.data, () => {
    throw new Error('a litmus workload names no node');
  });
  if (spec.kind !== 'litmus') throw new Error('litmus workload resolved to another kind');
  return spec;
}

/**
 * Returns a resolved mm-stress workload from YAML-shaped fields (`{ opsPerCpu: 100 }`).
 * @throws ConfigValidationError naming the fields when they are invalid.
 */
export function mmStressWorkload(fields: Record<string, unknown> = {}, source = '<mm-stress workload>'): MmStressWorkloadSpec {
  const parsed = configSchema.shape.workload.safeParse({ ...fields, kind: 'mm-stress' });
  if (!parsed.success) {
    throw new ConfigValidationError(toConfigIssues(parsed.error.issues.map((i) => ({ path: ['workload', ...(i.path as (string | number)[])], message: i.message })), source));
  }
  const spec = workloadSpec(parsed.data, () => {
    throw new Error('an mm-stress workload names no node');
  });
  if (spec.kind !== 'mm-stress') throw new Error('mm-stress workload resolved to another kind');
  return spec;
}
