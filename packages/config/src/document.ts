/**
 * The way back from a resolved config to the YAML shape, so a config built
 * or edited in code is checked by the same schema and semantic checks as a
 * file. `configDocument` writes the document a resolved config came from
 * (sizes in bytes, ps as ns, node ids as names); `resolvedMismatches` lists
 * what the given object has that resolving that document does not give back
 * (unknown fields, values no file can produce). Inputs are `unknown`: an
 * object edited in code may hold anything.
 */
import { PS_PER_NS } from '@cdmsim/engine';
import type { FieldPath, PathIssue } from './issues.js';
import type { WorkloadCatalog } from './workload-catalog.js';

/** A plain object's fields, or an empty record for anything else. */
export type Fields = Readonly<Record<string, unknown>>;

/** Returns `value` as a record of fields when it is a non-array object, else an empty record. */
export function fieldsOf(value: unknown): Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : {};
}

/** Returns `value` when it is an array, else an empty list. */
function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Returns picoseconds as nanoseconds; anything but a number passes through for the schema to name. */
export function psAsNs(value: unknown): unknown {
  return typeof value === 'number' ? value / PS_PER_NS : value;
}

/** Returns a copy of `fields` without the entries whose value is undefined (YAML has no undefined). */
export function definedFields(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/**
 * What a workload's `document` may use: the machine's node names by id.
 * `nodeName` returns undefined for an undefined id (an optional reference)
 * and records a problem at `path` (a path into the resolved config, e.g.
 * `['workload', 'process']`) when `id` names no node.
 */
export interface DocumentContext {
  nodeName(id: unknown, path: FieldPath): string | undefined;
}

const cacheDocument = (c: unknown) => {
  const f = fieldsOf(c);
  return { size: f['sizeBytes'], ways: f['ways'], lineSize: f['lineBytes'], hitLatencyNs: psAsNs(f['hitLatencyPs']) };
};

/**
 * Returns the YAML-shaped document of a resolved config (`{ topology,
 * workload }`, given as `unknown`), the inverse of `validateAndResolve`,
 * and the problems that have no YAML field to name them (a link or
 * workload that refers to a node id the machine lacks), with paths into
 * the resolved config.
 */
export function configDocument(config: unknown, catalog: WorkloadCatalog): { document: Record<string, unknown>; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const topology = fieldsOf(fieldsOf(config)['topology']);
  const cpus = listOf(topology['cpus']).map(fieldsOf);
  const devices = listOf(topology['devices']).map(fieldsOf);
  const names = [...cpus, ...devices].map((n) => n['name']);
  const context: DocumentContext = {
    nodeName(id, path) {
      if (id === undefined) return undefined;
      const name = typeof id === 'number' ? names[id] : undefined;
      if (typeof name === 'string') return name;
      issues.push({ path, message: `${JSON.stringify(id)} is not a node id of this machine (0..${names.length - 1})` });
      return undefined;
    },
  };
  const memory = (m: Fields) => ({ size: m['sizeBytes'], latencyNs: psAsNs(m['latencyPs']), bandwidthGBps: m['bandwidthBytesPerNs'] });
  const document = definedFields({
    name: topology['name'],
    pageSize: topology['pageSizeBytes'],
    cpus: cpus.map((c) => ({
      name: c['name'],
      cores: c['cores'],
      faultLatencyNs: psAsNs(c['faultLatencyPs']),
      dram: memory(fieldsOf(c['memory'])),
      cache: cacheDocument(c['cache']),
    })),
    devices: devices.map((d) => ({
      name: d['name'],
      kind: d['kind'],
      memory: { ...memory(fieldsOf(d['memory'])), kind: fieldsOf(d['memory'])['kind'] },
      cache: cacheDocument(d['cache']),
      faultLatencyNs: psAsNs(d['faultLatencyPs']),
      faultBatchSize: d['faultBatchSize'],
      perFaultLatencyNs: psAsNs(d['perFaultLatencyPs']),
      copyBandwidthGBps: d['copyBandwidthBytesPerNs'],
    })),
    links: listOf(topology['links']).map((raw, i) => {
      const l = fieldsOf(raw);
      return {
        name: l['name'],
        between: [context.nodeName(l['a'], ['topology', 'links', i, 'a']), context.nodeName(l['b'], ['topology', 'links', i, 'b'])],
        kind: l['kind'],
        latencyNs: psAsNs(l['latencyPs']),
        bandwidthGBps: l['bandwidthBytesPerNs'],
        headerBytes: l['headerBytes'],
        coherent: l['coherent'],
      };
    }),
    workload: catalog.document(fieldsOf(fieldsOf(config)['workload']), context),
  });
  return { document, issues };
}

/**
 * Returns a problem for every field of `given` that `expected` (the same
 * config resolved from its document) lacks or holds with another value.
 * Fields `expected` has and `given` lacks are not problems: they are
 * defaults the resolved config fills in. `path` is where both sit; an
 * object `given` holds twice (a topology's `nodes` share the objects of
 * `cpus` and `devices`) is compared where it is met first only.
 */
export function resolvedMismatches(given: unknown, expected: unknown, path: FieldPath = [], seen = new WeakSet<object>()): PathIssue[] {
  if (Object.is(given, expected)) return [];
  if (typeof given === 'object' && given !== null) {
    if (seen.has(given)) return [];
    seen.add(given);
  }
  const bothLists = Array.isArray(given) && Array.isArray(expected);
  const bothObjects = !bothLists && fieldsOf(given) === given && fieldsOf(expected) === expected;
  if (bothLists) {
    if (given.length !== expected.length) return [{ path, message: `has ${given.length} entries where the machine gives ${expected.length}` }];
    return given.flatMap((g, i) => resolvedMismatches(g, expected[i], [...path, i], seen));
  }
  if (bothObjects) {
    const g = given as Fields;
    const e = expected as Fields;
    return Object.keys(g).flatMap((key) => {
      if (g[key] === undefined) return [];
      if (!(key in e)) return [{ path: [...path, key], message: `unknown field (known here: ${Object.keys(e).join(', ')})`, at: 'key' as const }];
      return resolvedMismatches(g[key], e[key], [...path, key], seen);
    });
  }
  return [{ path, message: `is ${JSON.stringify(given)}, which no config file resolves to (the same config gives ${JSON.stringify(expected)})` }];
}
