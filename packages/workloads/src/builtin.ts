/**
 * The built-in experiments, parsed by the registry's config format: the
 * default one (`npm start`, `examples/default.yaml`: the default machine of
 * @cdmsim/config plus the default workload's example section) and the
 * machine of `cdmsim stress mm --mode` (`examples/mm-stress.yaml`).
 */
import { CdmsimError } from '@cdmsim/engine';
import { DEFAULT_MACHINE_YAML, DEFAULT_SOURCE, type ConfigOverride, type SimConfig, type WorkloadSpec } from '@cdmsim/config';
import type { Workload, WorkloadOutcomeBase } from './workload.js';
import { MM_STRESS_SOURCE, MM_STRESS_TOPOLOGY_YAML } from './mm-stress/machine.js';
import { mmStress, type MmStressWorkloadSpec } from './mm-stress/index.js';
import { configFormat, WORKLOADS } from './registry.js';
import { session, type SessionWorkloadSpec } from './session/index.js';
import { SESSION_MACHINE_SOURCE, sessionMachineYaml, type DmirrorFlavour } from './session/machine.js';

/** YAML text of the built-in experiment (`examples/default.yaml`): the default machine and the default workload's section. */
export const DEFAULT_CONFIG_YAML = `${DEFAULT_MACHINE_YAML}\n${WORKLOADS[0].exampleYaml ?? ''}`;

/**
 * Returns the built-in default machine and experiment, parsed and validated
 * from {@link DEFAULT_CONFIG_YAML} with `overrides` (`parseOverride`)
 * applied; `source` is '<built-in default>'. A fresh object on every call,
 * so callers may modify it.
 * @throws ConfigValidationError when an override does not fit the format.
 * @example
 * ```ts
 * const config = defaultConfig([parseOverride('workload.accessesPerDevice=4096')]);
 * ```
 */
export function defaultConfig(overrides: readonly ConfigOverride[] = []): SimConfig {
  return configFormat.parseYaml(DEFAULT_CONFIG_YAML, DEFAULT_SOURCE, overrides);
}

/**
 * Returns the built-in mm-stress machine and workload, parsed and validated,
 * with `workload` fields overriding the file's (for code and tests; they are
 * not validated again); a fresh object on every call.
 */
export function mmStressConfig(workload: Partial<Omit<MmStressWorkloadSpec, 'kind'>> = {}): SimConfig<MmStressWorkloadSpec> {
  const config = configFormat.parseYaml(MM_STRESS_TOPOLOGY_YAML, MM_STRESS_SOURCE);
  if (!mmStress.runs(config)) throw new CdmsimError(`${MM_STRESS_SOURCE}: the built-in mm-stress machine has a ${config.workload.kind} workload`);
  return { ...config, workload: { ...config.workload, ...workload } };
}

/**
 * Returns the built-in machine of test-device sessions (one CPU, two
 * devices whose memory is `flavour`: private or coherent) with a session
 * workload, parsed and validated; a fresh object on every call.
 */
export function sessionConfig(flavour: DmirrorFlavour = 'private'): SimConfig<SessionWorkloadSpec> {
  const config = configFormat.parseYaml(sessionMachineYaml(flavour), SESSION_MACHINE_SOURCE);
  if (!session.runs(config)) throw new CdmsimError(`${SESSION_MACHINE_SOURCE}: the built-in session machine has a ${config.workload.kind} workload`);
  return config;
}

/**
 * Reads, validates and resolves the config file at `path` with every
 * registered workload, `overrides` (`parseOverride`) applied before
 * validation (`configFormat.loadFile`).
 * @throws ConfigError when the file cannot be read, ConfigValidationError when it or an override is invalid.
 * @example
 * ```ts
 * const config = loadConfigFile('examples/dgx-h100.yaml', [parseOverride('devices[gpu3].memory.kind=private')]);
 * ```
 */
export function loadConfigFile(path: string, overrides: readonly ConfigOverride[] = []): SimConfig {
  return configFormat.loadFile(path, overrides);
}

/** Parses, validates and resolves YAML text with every registered workload (`configFormat.parseYaml`). */
export function parseConfigYaml(text: string, fileName: string): SimConfig {
  return configFormat.parseYaml(text, fileName);
}

/**
 * Resolves a config given as a plain object in the YAML shape, checked with
 * the same messages as a file (`configFormat.resolve`): the way to build or
 * edit a config in code.
 * @throws ConfigValidationError naming every bad field.
 * @example
 * ```ts
 * const raw = parse(readFileSync('examples/default.yaml', 'utf8'));
 * raw.workload.accessesPerDevice = 2048;
 * const config = resolveConfig(raw, 'edited default');
 * ```
 */
export function resolveConfig(raw: unknown, source?: string): SimConfig {
  return configFormat.resolve(raw, source);
}

/**
 * Returns the resolved spec of workload `w` from YAML-shaped fields built in
 * code (`workloadSpec(coherenceRandom, { lines: 5 })`; absent fields take
 * their defaults), checked with the same messages as a config file.
 * @throws ConfigValidationError naming the fields when they are invalid.
 */
export function workloadSpec<Spec extends WorkloadSpec>(w: Workload<Spec, unknown, WorkloadOutcomeBase>, fields: Record<string, unknown> = {}): Spec {
  return configFormat.resolveWorkload({ ...fields, kind: w.kind }) as Spec;
}
