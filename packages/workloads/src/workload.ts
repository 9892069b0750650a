/**
 * What a workload is to the rest of cdmsim: one folder that registers one
 * `Workload` in `registry.ts`. A workload owns its config section (schema
 * fields, checks, resolution), the shared state it needs, its role on every
 * node (built from platform APIs: it never sees envelopes or shared
 * buffers), how the nodes' shares combine into the run's outcome, and the
 * one-line texts summaries print. The config format, the runtime, results
 * and the CLI learn workloads only through the registry.
 */
import type { SimConfig, WorkloadConfigKind, WorkloadSpec } from '@cdmsim/config';
import type { NodeEnv, SharedNeeds, SharedState } from '@cdmsim/platform';

/** What every workload outcome has (part of results.json, shown by summaries and sweeps). */
export interface WorkloadOutcomeBase {
  readonly kind: string;
  /** True when every check of the workload passed. */
  readonly verified: boolean;
  /** What failed, for people (empty when verified). */
  readonly problems: readonly string[];
  /** Digest of the workload's final data (equal runs, equal digests). */
  readonly dataHash: string;
}

/** A workload's part on one node, built by `Workload.createRole`. */
export interface WorkloadRole<Share> {
  /**
   * After the run ended (every node quiescent): returns this node's share of
   * the outcome, or undefined when the node has none.
   * @throws InvariantViolation (with the seed) when a check of the node fails.
   */
  finish(): Share | undefined;
  /**
   * A session command for this node (the library user's call, plain data,
   * at the session's current simulated time): the role starts it and calls
   * `done` with its result (plain data) when it completes. Absent when the
   * workload takes no commands. Bad arguments are results (an errno), not
   * throws; throw only for a broken model.
   */
  command?(command: unknown, done: (result: unknown) => void): void;
  /** Frames of this node's memory its allocators hold now (reports and the timeline); absent = 0. */
  framesInUse?(): number;
  /** Distinct frames of this node's memory ever handed out in the run; absent = 0. */
  framesTouched?(): number;
}

/** One node's share of a run, in node order. */
export interface NodeShare<Share> {
  readonly name: string;
  readonly share: Share | undefined;
}

/** The parts a workload folder declares (see `defineWorkload`). */
export interface WorkloadParts<Spec extends WorkloadSpec, Share, Outcome extends WorkloadOutcomeBase> {
  /** The config section: YAML fields, cross-field checks, resolution to `Spec`. */
  readonly config: WorkloadConfigKind<Spec, any>;
  /**
   * The workload's section of a config file with every field spelled out
   * and commented (the built-in experiment shows it); undefined when the
   * workload has no example section.
   */
  readonly exampleYaml?: string;
  /** Returns the optional shared state a run of `config` needs (default: none). */
  sharedNeeds?(config: SimConfig<Spec>): SharedNeeds;
  /** Builds this workload's role on node `env.kernel.self` (every node gets one). */
  createRole(env: NodeEnv, spec: Spec): WorkloadRole<Share>;
  /** Returns the run's outcome from every node's share (node order) and the run's shared state. */
  outcome(config: SimConfig<Spec>, shares: readonly NodeShare<Share>[], shared: SharedState): Outcome;
  /** Returns what the run did, in one line. */
  describe(outcome: Outcome): string;
  /** Returns what the verified checks covered, in one line (called only when `verified`). */
  describeCheck(outcome: Outcome): string;
}

/** A registered workload: its parts plus typed guards. */
export interface Workload<Spec extends WorkloadSpec, Share, Outcome extends WorkloadOutcomeBase> extends WorkloadParts<Spec, Share, Outcome> {
  /** The kind, as written in config files. */
  readonly kind: Spec['kind'];
  /** Returns whether `config` runs this workload (narrows its type). */
  runs(config: SimConfig): config is SimConfig<Spec>;
  /** Returns whether `outcome` is this workload's (narrows its type). */
  owns(outcome: WorkloadOutcomeBase): outcome is Outcome;
}

/** Returns the workload of `parts`, with its kind and type guards. */
export function defineWorkload<Spec extends WorkloadSpec, Share, Outcome extends WorkloadOutcomeBase>(parts: WorkloadParts<Spec, Share, Outcome>): Workload<Spec, Share, Outcome> {
  const kind = parts.config.kind;
  return {
    ...parts,
    kind,
    runs: (config: SimConfig): config is SimConfig<Spec> => config.workload.kind === kind,
    owns: (outcome: WorkloadOutcomeBase): outcome is Outcome => outcome.kind === kind,
  };
}

/** A workload of any kind (the registry's element type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyWorkload = Workload<any, any, any>;
