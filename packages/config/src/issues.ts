/**
 * Problems found in a config, how they are printed and the error that carries
 * them. Every stage (YAML syntax, schema, semantic checks) reports problems as
 * {@link PathIssue}s; positions are attached afterwards when a YAML document is
 * available.
 */
import { ConfigError } from '@cdmsim/engine';

/** A path into the config in the YAML shape, e.g. `['links', 2, 'bandwidthGBps']`. */
export type FieldPath = readonly (string | number)[];

/**
 * A problem before positions are known. `at: 'key'` points at the mapping key
 * itself (used for unknown fields); by default the issue points at the value.
 */
export interface PathIssue {
  path: FieldPath;
  message: string;
  at?: 'key' | 'value';
}

/** One problem in a config, as plain data (safe to post between threads). */
export interface ConfigIssue {
  /** File name, or '<object>' / '<built-in default>' when there is no file. */
  file: string;
  /** 1-based line, when the config came from YAML text. */
  line?: number;
  /** 1-based column, when the config came from YAML text. */
  column?: number;
  /** Field path such as `links[2].bandwidthGBps`; '(top level)' for the whole document. */
  path: string;
  /** What is wrong, for people. */
  message: string;
}

/** Returns `path` in the `links[2].between[0]` notation used in messages ('(top level)' when empty). */
export function formatFieldPath(path: FieldPath): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Returns the one-line form `FILE:LINE:COL: FIELD.PATH: message` (LINE:COL omitted when unknown). */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${issue.path}: ${issue.message}`;
}

/**
 * Thrown for an invalid config. Its message lists every problem found, one
 * per line, formatted by {@link formatConfigIssue}; `issues` holds the same
 * problems as data. It is a `ConfigError` from @cdmsim/engine.
 */
export class ConfigValidationError extends ConfigError {
  override readonly name: string = 'ConfigValidationError';
  readonly issues: ConfigIssue[];
  /** Callers provide at least one issue. */
  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatConfigIssue).join('\n'));
    this.issues = issues;
  }
}

/** Returns how a user-provided value is quoted in messages: strings in quotes, lists and mappings by kind. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
