/**
 * Runs the zod schema and turns its issues into {@link PathIssue}s with
 * messages written for people ("must be a positive number (got -5)").
 */
import type { z } from 'zod';
import { configSchema, WORKLOAD_KINDS_TEXT, type ParsedConfig } from './schema.js';
import { describeValue, type FieldPath, type PathIssue } from './issues.js';

type RawIssue = z.core.$ZodRawIssue;

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Message for a zod issue without a message of its own (schema-level messages win over this). */
function messageFor(issue: RawIssue): string {
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
      return issue.note === 'No matching discriminator' ? `must be one of: ${WORKLOAD_KINDS_TEXT}` : 'matches none of the allowed shapes';
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

/** Result of {@link checkSchema}: the parsed config, or every problem zod found. */
export type SchemaResult = { ok: true; config: ParsedConfig } | { ok: false; issues: PathIssue[] };

/**
 * Validates `raw` (a plain object in the YAML shape) against
 * {@link configSchema}. Returns the parsed config (sizes in bytes, defaults
 * filled) or all problems; an unknown field gives one issue per field, pointing
 * at its key. Messages end with the value the user wrote, when there is one.
 */
export function checkSchema(raw: unknown): SchemaResult {
  const result = parseWithIssues(configSchema, raw);
  return result.ok ? { ok: true, config: result.value } : result;
}

/**
 * Validates `raw` against any part of the config schema with the same
 * messages as {@link checkSchema}; issue paths start with `prefix` (where
 * `raw` sits in a config file). Returns the parsed value or every problem.
 */
export function parseWithIssues<S extends z.ZodType>(schema: S, raw: unknown, prefix: FieldPath = []): { ok: true; value: z.output<S> } | { ok: false; issues: PathIssue[] } {
  const result = schema.safeParse(raw, { error: messageFor });
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
