/**
 * Parameter overrides, `--set PATH=VALUE` on the command line: a field path
 * of the config file's YAML shape and a value written as in YAML. They are
 * applied to the document before it is validated, so an overridden field
 * is checked exactly like one written in the file, and a problem with it
 * names the override instead of a line of the file.
 *
 * Paths: keys separated by dots; a list entry by its index or, for entries
 * that have a `name`, by that name: `workload.accessesPerDevice`,
 * `cpus[cpu0].dram.latencyNs`, `links[2].bandwidthGBps`,
 * `devices[gpu1].memory.kind`. Values: `100`, `16MiB`, `true`,
 * `[cpu0, gpu1]`, `{ size: 1GiB }`.
 */
import { parse as parseYamlValue } from 'yaml';
import { ConfigValidationError, formatFieldPath, type ConfigIssue, type FieldPath } from './issues.js';

/** Where override problems are reported (the `file` of their issues). */
export const OVERRIDE_SOURCE = '--set';

/** One parsed `PATH=VALUE`. */
export interface ConfigOverride {
  /** The text as given (`cpus[cpu0].dram.latencyNs=120`). */
  readonly text: string;
  /** The path as written: keys, list indices, or list entry names in brackets. */
  readonly steps: readonly PathStep[];
  /** The value, parsed as YAML. */
  readonly value: unknown;
}

/** One step of an override path. */
export type PathStep = { readonly key: string } | { readonly index: number } | { readonly entryName: string };

/** One path step: `.key` (the dot optional for the first), or `[N]` / `[name]`. */
const STEP = /(\.?)([A-Za-z_][A-Za-z0-9_-]*)|\[([^\]]+)\]/y;

/**
 * Returns `text` (`PATH=VALUE`) parsed.
 * @throws ConfigValidationError naming the override when it is not `PATH=VALUE` or its value is not valid YAML.
 * @example
 * ```ts
 * const config = loadConfigFile('examples/default.yaml', ['cpus[cpu0].dram.latencyNs=120', 'workload.bufferSize=4MiB'].map(parseOverride));
 * ```
 */
export function parseOverride(text: string): ConfigOverride {
  const eq = text.indexOf('=');
  const bad = (message: string): never => {
    throw new ConfigValidationError([{ file: OVERRIDE_SOURCE, path: text, message }]);
  };
  if (eq <= 0) bad('expected PATH=VALUE, e.g. workload.accessesPerDevice=1000 or cpus[cpu0].dram.latencyNs=120');
  const pathText = text.slice(0, eq).trim();
  const steps: PathStep[] = [];
  for (let pos = 0; pos < pathText.length; pos = STEP.lastIndex) {
    STEP.lastIndex = pos;
    const m = STEP.exec(pathText);
    const first = steps.length === 0;
    // A key needs its dot except first; a bracket needs something before it.
    if (!m || (m[2] !== undefined && (m[1] === '.') === first) || (m[3] !== undefined && first)) {
      bad(`cannot read the path at "${pathText.slice(pos)}": use keys separated by dots and [N] or [name] for list entries`);
    }
    if (m![2] !== undefined) {
      steps.push({ key: m![2] });
    } else {
      const inner = m![3]!.trim();
      steps.push(/^\d+$/.test(inner) ? { index: Number(inner) } : { entryName: inner });
    }
  }
  let value: unknown;
  try {
    value = parseYamlValue(text.slice(eq + 1));
  } catch (e) {
    bad(`the value is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return { text, steps, value: value ?? null };
}

/**
 * Applies `overrides` in order to a copy of `raw` (a config document in the
 * YAML shape) and returns it with each override's resolved field path
 * (list entry names replaced by indices). A missing mapping on the way is
 * created (`workload.kind=litmus` on a file without a workload section);
 * a missing list entry is an error.
 * @throws ConfigValidationError naming every override whose path does not lead to a field.
 */
export function applyOverrides(raw: unknown, overrides: readonly ConfigOverride[]): { value: unknown; paths: FieldPath[] } {
  const root: unknown = structuredClone(raw ?? {});
  const issues: ConfigIssue[] = [];
  const paths: FieldPath[] = [];
  for (const o of overrides) {
    const problem = setAt(root, o, paths);
    if (problem !== undefined) issues.push({ file: OVERRIDE_SOURCE, path: o.text, message: problem });
  }
  if (issues.length > 0) throw new ConfigValidationError(issues);
  return { value: root, paths };
}

/** Sets `o.value` at `o.steps` under `root`; pushes the resolved path; returns a problem or undefined. */
function setAt(root: unknown, o: ConfigOverride, paths: FieldPath[]): string | undefined {
  const path: (string | number)[] = [];
  let parent = root as Record<string, unknown> | unknown[];
  for (let i = 0; i < o.steps.length; i++) {
    const step = o.steps[i]!;
    const last = i === o.steps.length - 1;
    let at: string | number;
    if ('key' in step) {
      if (Array.isArray(parent) || typeof parent !== 'object' || parent === null) return `${formatFieldPath(path)} is not a mapping (no field ${step.key})`;
      at = step.key;
    } else {
      if (!Array.isArray(parent)) return `${formatFieldPath(path)} is not a list`;
      if ('index' in step) {
        if (step.index >= parent.length) return `${formatFieldPath(path)} has ${parent.length} entries (index ${step.index})`;
        at = step.index;
      } else {
        const found = parent.findIndex((e) => typeof e === 'object' && e !== null && (e as { name?: unknown }).name === step.entryName);
        if (found < 0) return `${formatFieldPath(path)} has no entry named ${step.entryName}`;
        at = found;
      }
    }
    path.push(at);
    const container = parent as Record<string | number, unknown>;
    if (last) {
      container[at] = o.value;
    } else {
      if (container[at] === undefined || container[at] === null) {
        if (!('key' in o.steps[i + 1]!)) return `${formatFieldPath(path)} is not a list`;
        container[at] = {};
      }
      parent = container[at] as Record<string, unknown> | unknown[];
    }
  }
  paths.push(path);
  return undefined;
}

/**
 * Returns `issues` with every issue at or under an overridden field
 * attributed to its override (`--set PATH=VALUE`, no line), so a bad value
 * given on the command line is not reported at a line of the file.
 */
export function attributeToOverrides(issues: readonly ConfigIssue[], overrides: readonly ConfigOverride[], paths: readonly FieldPath[]): ConfigIssue[] {
  const prefixes = paths.map((p, i) => ({ path: formatFieldPath(p), text: overrides[i]!.text }));
  return issues.map((issue) => {
    let hit: { path: string; text: string } | undefined;
    for (const p of prefixes) if (issue.path === p.path || issue.path.startsWith(`${p.path}.`) || issue.path.startsWith(`${p.path}[`)) hit = p;
    return hit ? { file: `${OVERRIDE_SOURCE} ${hit.text}`, path: issue.path, message: issue.message } : issue;
  });
}
