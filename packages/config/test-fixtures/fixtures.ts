/** Helpers shared by the unit tests in ../src: fixture paths and error capture. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ConfigError } from '@cdmsim/engine';
import { ConfigValidationError, type ConfigIssue } from '../src/index.js';
import { FORMAT } from './catalog.js';

/** Absolute path of a file in this directory. */
export const fixturePath = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
/** Absolute path of a file relative to the repository root. */
export const repoPath = (rel: string): string => fileURLToPath(new URL(`../../../${rel}`, import.meta.url));

/** Text of the small valid machine `tiny.yaml`. */
export const TINY_YAML = readFileSync(fixturePath('tiny.yaml'), 'utf8');

/** Runs `fn`, expects a ConfigValidationError and returns its issues. */
export function issuesOf(fn: () => unknown): ConfigIssue[] {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (!(e instanceof ConfigValidationError)) throw new Error(`expected issues, got ${e.message}`);
    return e.issues;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}

/** A fresh plain object of tiny.yaml (YAML shape) for tests to modify. */
export const tinyRaw = (): any => parse(TINY_YAML);

/** Resolves tiny.yaml (with the test catalog) after `mutate` and returns the issues (fails the test if it is accepted). */
export function tinyIssues(mutate: (raw: any) => void): ConfigIssue[] {
  const raw = tinyRaw();
  mutate(raw);
  return issuesOf(() => FORMAT.resolve(raw));
}
