/**
 * How the config format learns workload kinds: each kind contributes its
 * YAML fields (a zod shape), its cross-field checks against the machine and
 * its resolution to the spec the simulator runs. A `WorkloadCatalog` holds
 * the kinds a build of cdmsim knows (see @cdmsim/workloads' registry) and
 * turns them into the `workload` part of the config schema. The first kind
 * of a catalog is the default: a config without `kind` runs it.
 */
import { z } from 'zod';
import { ConfigError, type NodeId } from '@cdmsim/engine';
import { definedFields, type DocumentContext, type Fields } from './document.js';
import type { PathIssue } from './issues.js';
import type { ParsedMachine } from './schema.js';
import type { Topology, WorkloadSpec } from './types.js';

/** A workload section after schema validation (sizes in bytes, defaults filled), before resolution. */
export type ParsedWorkload<F extends z.ZodRawShape> = z.output<z.ZodObject<F>> & { readonly kind: string };

/** What a workload's `resolve` may use: the resolved machine and its node ids by name. */
export interface MachineContext {
  readonly topology: Topology;
  /** Returns the id of a node name that the workload's `check` accepted. */
  nodeId(name: string): NodeId;
}

/**
 * One workload kind as the config format sees it. `fields` are the YAML
 * fields besides `kind` (their `describe` texts become the JSON Schema);
 * `check` returns problems that relate the workload to the machine, with
 * paths from the config root (`['workload', 'process']`, `['cpus', 0, …]`);
 * `resolve` turns the checked fields into the spec (ids, ps, bytes);
 * `document` is its inverse, so specs built or edited in code are checked
 * by the same schema and checks as a file.
 */
export interface WorkloadConfigKind<Spec extends WorkloadSpec = WorkloadSpec, F extends z.ZodRawShape = z.ZodRawShape> {
  readonly kind: Spec['kind'];
  /** What the workload does, for people (the JSON Schema description of its section). */
  readonly description: string;
  readonly fields: F;
  /** Returns every cross-field problem of `workload` on `machine` (empty when consistent). */
  check?(machine: ParsedMachine, workload: ParsedWorkload<F>): PathIssue[];
  /** Returns the resolved spec of a checked workload section. */
  resolve(workload: ParsedWorkload<F>, machine: MachineContext): Spec;
  /**
   * Returns the YAML fields (besides `kind`) of a resolved spec given as
   * plain fields (a spec built or edited in code: any value may be wrong):
   * sizes in bytes, times back in ns (`psAsNs`), node ids as names through
   * `context.nodeName`. Values pass through unchanged where the schema can
   * name what is wrong with them; the catalog leaves out undefined fields.
   */
  document(spec: Fields, context: DocumentContext): Record<string, unknown>;
}

/** Returns `kind` unchanged, typed: lets TypeScript infer a kind's field types from its zod shape. */
export function defineWorkloadConfig<Spec extends WorkloadSpec, F extends z.ZodRawShape>(kind: WorkloadConfigKind<Spec, F>): WorkloadConfigKind<Spec, F> {
  return kind;
}

/** The workload kinds one config format accepts; the first is the default. */
export class WorkloadCatalog {
  readonly kinds: readonly WorkloadConfigKind[];
  /** Kind a workload section without `kind` (or an absent section) runs. */
  readonly defaultKind: string;
  /** `"a", "b" or "c"`-style list of the kinds, for messages and descriptions. */
  readonly kindsText: string;
  /** The zod schema of the `workload` section: one strict object per kind, discriminated by `kind`. */
  readonly schema: z.ZodType;
  readonly #byKind: ReadonlyMap<string, WorkloadConfigKind>;

  /**
   * Builds the catalog of `kinds` (at least one; the first is the default).
   * @throws ConfigError when `kinds` is empty, a kind appears twice, or a kind's fields declare `kind` themselves.
   */
  constructor(kinds: readonly WorkloadConfigKind[]) {
    const first = kinds[0];
    if (!first) throw new ConfigError('a workload catalog needs at least one workload kind');
    const byKind = new Map<string, WorkloadConfigKind>();
    for (const k of kinds) {
      if (byKind.has(k.kind)) throw new ConfigError(`workload kind "${k.kind}" is registered twice`);
      if ('kind' in k.fields) throw new ConfigError(`workload kind "${k.kind}" declares a field named kind; the catalog adds it`);
      byKind.set(k.kind, k);
    }
    this.kinds = kinds;
    this.#byKind = byKind;
    this.defaultKind = first.kind;
    this.kindsText = kinds.map((k) => JSON.stringify(k.kind)).join(', ');
    const kindField = (k: WorkloadConfigKind): z.ZodType => {
      const text = `Workload kind, one of: ${this.kindsText} (default ${JSON.stringify(this.defaultKind)}).`;
      return k === first ? z.literal(k.kind).default(k.kind).describe(text) : z.literal(k.kind).describe(text);
    };
    const options = kinds.map((k) => z.strictObject({ kind: kindField(k), ...k.fields }).describe(k.description));
    this.schema = z
      .discriminatedUnion('kind', options as unknown as [z.ZodObject, ...z.ZodObject[]])
      .describe(`The experiment to run on the machine: one of ${this.kindsText}; defaults apply when absent.`);
  }

  /** Returns the kind named `kind`, or undefined when the catalog does not know it. */
  kind(kind: string): WorkloadConfigKind | undefined {
    return this.#byKind.get(kind);
  }

  /** Returns the cross-field problems of a schema-valid workload section on `machine`. */
  check(machine: ParsedMachine, workload: { readonly kind: string }): PathIssue[] {
    return this.#require(workload.kind).check?.(machine, workload as ParsedWorkload<z.ZodRawShape>) ?? [];
  }

  /** Returns the resolved spec of a checked workload section. */
  resolve(workload: { readonly kind: string }, machine: MachineContext): WorkloadSpec {
    return this.#require(workload.kind).resolve(workload as ParsedWorkload<z.ZodRawShape>, machine);
  }

  /**
   * Returns the YAML-shaped section (`kind` included) of a resolved spec
   * given as plain fields; a kind the catalog does not know is returned
   * alone, for the schema to name.
   */
  document(spec: Fields, context: DocumentContext): Record<string, unknown> {
    const kind = spec['kind'];
    const k = typeof kind === 'string' ? this.#byKind.get(kind) : undefined;
    if (!k) return { kind };
    return { kind, ...definedFields(k.document(spec, context)) };
  }

  #require(kind: string): WorkloadConfigKind {
    const k = this.#byKind.get(kind);
    if (!k) throw new ConfigError(`unknown workload kind "${kind}" (known: ${this.kindsText})`);
    return k;
  }
}
