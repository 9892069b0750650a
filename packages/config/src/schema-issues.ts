/**
 * Runs the zod schema and turns its issues into {@link PathIssue}s with
 * messages written for people ("must be a positive number (got -5)").
 */
import type { z } from 'zod';
import { describeValue, type FieldPath, type PathIssue } from './issues.js';

type RawIssue = z.core.$ZodRawIssue;

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** How messages name things the schema alone does not know. */
export interface IssueWording {
  /** The workload kinds, for an unknown `kind` ("must be one of: …"). */
  readonly kindsText?: string;
}

/** Message for a zod issue without a message of its own (schema-level messages win over this). */
function messageFor(issue: RawIssue, wording: IssueWording): string {
  if (issue.input === undefined) return 'is required';
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be a whole number';
      if (issue.expected === 'object') return 'must be a mapping of fields';
      if (issue.expected === 'array') return 'must be a list';
      return `must be a ${issue.expected}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array') return `must have at least ${plural(min, 'item')}`;
      if (issue.origin === 'string') return 'must not be empty';
      if (min === 0 && !issue.inclusive) return 'must be a positive number';
      return `must be ${issue.inclusive ? '≥' : '>'} ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array') return `must have at most ${plural(max, 'item')}`;
      return `must be ${issue.inclusive ? '≤' : '<'} ${max}`;
    }
    case 'invalid_value':
      return `must be ${issue.values.length === 1 ? '' : 'one of: '}${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return issue.note === 'No matching discriminator' && wording.kindsText !== undefined ? `must be one of: ${wording.kindsText}` : 'matches none of the allowed shapes';
    case 'invalid_format':
      return `has the wrong format (${issue.format})`;
    default:
      return issue.message ?? 'is invalid';
  }
}

function valueAt(root: unknown, path: FieldPath): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/**
 * Validates `raw` (a plain object in the YAML shape) against `schema`, the
 * whole config schema or any part of it. Returns the parsed value (sizes in
 * bytes, defaults filled) or every problem; issue paths start with `prefix`
 * (where `raw` sits in a config file). An unknown field gives one issue per
 * field, pointing at its key. Messages end with the value the user wrote,
 * when there is one.
 */
export function parseWithIssues<S extends z.ZodType>(schema: S, raw: unknown, prefix: FieldPath = [], wording: IssueWording = {}): { ok: true; value: z.output<S> } | { ok: false; issues: PathIssue[] } {
  const result = schema.safeParse(raw, { error: (issue) => messageFor(issue, wording) });
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.flatMap((issue): PathIssue[] => {
    const path = issue.path as (string | number)[];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...prefix, ...path, key], message: `unknown field "${key}"`, at: 'key' }));
    }
    const value = valueAt(raw, path);
    const got = value === undefined ? '' : ` (got ${describeValue(value)})`;
    return [{ path: [...prefix, ...path], message: issue.message + got }];
  });
  return { ok: false, issues };
}
