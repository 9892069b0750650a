/** Reading config and machine files: YAML text in, validated machine out. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@cdmsim/engine';
import { ConfigValidationError } from './issues.js';
import { validateMachine } from './resolve.js';
import { machineSchema } from './schema.js';
import type { Topology } from './types.js';
import { parseYamlWithPositions } from './yaml-positions.js';

/**
 * Returns the text of the config file at `path`.
 * @throws ConfigError naming the path when it cannot be read.
 */
export function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read config file: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Parses and validates YAML `text` holding a machine without a workload
 * section; `fileName` is used in messages. Returns its topology.
 * @throws ConfigValidationError listing every problem as `FILE:LINE:COL: FIELD.PATH: message`.
 */
export function parseMachineYaml(text: string, fileName: string): Topology {
  const parsed = parseYamlWithPositions(text);
  if (!parsed.ok) {
    throw new ConfigValidationError(parsed.errors.map((e) => ({ file: fileName, ...e.position, path: '(yaml syntax)', message: e.message })));
  }
  return validateMachine(parsed.value, fileName, machineSchema, parsed.locate);
}
