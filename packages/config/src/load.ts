/** Loading configs from YAML text and files. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@cdmsim/engine';
import { ConfigValidationError } from './issues.js';
import { validateAndResolve } from './resolve.js';
import type { SimConfig } from './types.js';
import { parseYamlWithPositions } from './yaml-positions.js';

/**
 * Parses, validates and resolves YAML `text`; `fileName` is used in messages
 * and becomes `SimConfig.source`. Throws {@link ConfigValidationError} (a
 * `ConfigError`) listing every problem as `FILE:LINE:COL: FIELD.PATH: message`;
 * YAML syntax errors are reported the same way with the parser's message.
 */
export function parseConfigYaml(text: string, fileName: string): SimConfig {
  const parsed = parseYamlWithPositions(text);
  if (!parsed.ok) {
    throw new ConfigValidationError(
      parsed.errors.map((e) => ({ file: fileName, ...e.position, path: '(yaml syntax)', message: e.message })),
    );
  }
  return validateAndResolve(parsed.value, fileName, parsed.locate);
}

/**
 * Reads the YAML config at `path` and returns it validated and resolved
 * (`source` is `path`). Throws `ConfigError` when the file cannot be read and
 * {@link ConfigValidationError} when it is invalid.
 */
export function loadConfigFile(path: string): SimConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read config file: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseConfigYaml(text, path);
}
