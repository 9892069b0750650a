/**
 * Helpers for code that works with one workload kind: narrowing a config's
 * workload, and building a resolved workload spec from YAML-shaped fields
 * (defaults filled) to put into an existing machine.
 */
import { ConfigValidationError } from './issues.js';
import { toConfigIssues, workloadSpec } from './resolve.js';
import { configSchema } from './schema.js';
import { parseWithIssues } from './schema-issues.js';
import type { CoherenceRandomWorkloadSpec, LitmusWorkloadSpec, SharedBufferWorkloadSpec, SimConfig, WorkloadSpec } from './types.js';

/**
 * Returns the config's workload as a shared-buffer spec.
 * @throws Error when the config runs another kind (a programming error: callers pick code by kind).
 */
export function sharedBufferSpec(config: SimConfig): SharedBufferWorkloadSpec {
  if (config.workload.kind !== 'shared-buffer') throw new Error(`shared-buffer code called for a ${config.workload.kind} workload`);
  return config.workload;
}

/** Parses YAML-shaped workload fields as a workload of `kind` and resolves them (defaults filled). */
function resolvedWorkload<K extends WorkloadSpec['kind']>(kind: K, fields: Record<string, unknown>, source: string): Extract<WorkloadSpec, { kind: K }> {
  const parsed = parseWithIssues(configSchema.shape.workload, { ...fields, kind }, ['workload']);
  if (!parsed.ok) throw new ConfigValidationError(toConfigIssues(parsed.issues, source));
  const spec = workloadSpec(parsed.value, () => {
    throw new Error(`a ${kind} workload names no node`);
  });
  if (spec.kind !== kind) throw new Error(`${kind} workload resolved to ${spec.kind}`);
  return spec as Extract<WorkloadSpec, { kind: K }>;
}

/**
 * Returns a resolved coherence-random workload from YAML-shaped fields
 * (`{ opsPerNode: 200 }`; absent fields take their defaults).
 * @throws ConfigValidationError naming the fields when they are invalid.
 */
export function coherenceRandomWorkload(fields: Record<string, unknown> = {}, source = '<coherence-random workload>'): CoherenceRandomWorkloadSpec {
  return resolvedWorkload('coherence-random', fields, source);
}

/**
 * Returns a resolved litmus workload from YAML-shaped fields (`{ test: 'CoRR' }`).
 * @throws ConfigValidationError naming the fields when they are invalid.
 */
export function litmusWorkload(fields: Record<string, unknown>, source = '<litmus workload>'): LitmusWorkloadSpec {
  return resolvedWorkload('litmus', fields, source);
}
