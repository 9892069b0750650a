/**
 * A config format: the machine schema plus the workloads of one
 * `WorkloadCatalog`. It parses and validates YAML files and plain objects,
 * resolves workload sections built in code with the same messages, and
 * generates the JSON Schema editors use. @cdmsim/workloads builds the one
 * cdmsim uses from its registry; tests may build one over a small catalog.
 */
import { z } from 'zod';
import { configDocument, fieldsOf, resolvedMismatches } from './document.js';
import { ConfigValidationError } from './issues.js';
import { applyOverrides, attributeToOverrides, type ConfigOverride } from './overrides.js';
import { readConfigText } from './load.js';
import { OBJECT_SOURCE, toConfigIssues, validateAndResolve } from './resolve.js';
import { MACHINE_SHAPE } from './schema.js';
import { parseWithIssues } from './schema-issues.js';
import type { SimConfig, WorkloadSpec } from './types.js';
import type { WorkloadCatalog } from './workload-catalog.js';
import { parseYamlWithPositions, type Locator } from './yaml-positions.js';

/** The config format of one set of workload kinds. */
export class ConfigFormat {
  readonly catalog: WorkloadCatalog;
  /** The zod schema of a whole config file (input: YAML shape; output: sizes in bytes, defaults filled). */
  readonly schema: z.ZodType;

  constructor(catalog: WorkloadCatalog) {
    this.catalog = catalog;
    this.schema = z
      .strictObject({ ...MACHINE_SHAPE, workload: catalog.schema.prefault({}) })
      .describe('cdmsim topology configuration: a simulated machine and, optionally, the experiment to run on it.');
  }

  /**
   * Parses, validates and resolves YAML `text` with `overrides` (`--set`,
   * `parseOverride`) applied first; `fileName` is used in messages and
   * becomes `SimConfig.source`. Returns the config.
   * @throws ConfigValidationError listing every problem as `FILE:LINE:COL: FIELD.PATH: message` (YAML syntax errors too); a problem with an overridden field names its `--set` instead of a line.
   */
  parseYaml(text: string, fileName: string, overrides: readonly ConfigOverride[] = []): SimConfig {
    const parsed = parseYamlWithPositions(text);
    if (!parsed.ok) {
      throw new ConfigValidationError(parsed.errors.map((e) => ({ file: fileName, ...e.position, path: '(yaml syntax)', message: e.message })));
    }
    return this.#validate(parsed.value, fileName, overrides, parsed.locate);
  }

  /**
   * Reads the YAML config at `path` and returns it validated and resolved (`source` is `path`), `overrides` applied first.
   * @throws ConfigError when the file cannot be read, ConfigValidationError when it is invalid.
   */
  loadFile(path: string, overrides: readonly ConfigOverride[] = []): SimConfig {
    return this.parseYaml(readConfigText(path), path, overrides);
  }

  /**
   * Resolves a config given as a plain object in the YAML shape (for
   * programmatic use), `overrides` applied first; problems name the field
   * path but carry no line numbers.
   * @throws ConfigValidationError when it is invalid.
   */
  resolve(raw: unknown, source: string = OBJECT_SOURCE, overrides: readonly ConfigOverride[] = []): SimConfig {
    return this.#validate(raw, source, overrides);
  }

  #validate(raw: unknown, source: string, overrides: readonly ConfigOverride[], locate?: Locator): SimConfig {
    if (overrides.length === 0) return validateAndResolve(raw, source, this.schema, this.catalog, locate);
    const { value, paths } = applyOverrides(raw, overrides);
    try {
      return validateAndResolve(value, source, this.schema, this.catalog, locate);
    } catch (e) {
      if (e instanceof ConfigValidationError) throw new ConfigValidationError(attributeToOverrides(e.issues, overrides, paths));
      throw e;
    }
  }

  /**
   * Checks a resolved config built or edited in code (`config.workload.x =
   * …`) with the same schema, checks and messages as a file: it writes the
   * YAML document the config describes, validates and resolves that, and
   * compares the result with `config`. Returns the config resolved from the
   * document (defaults filled in where `config` left fields out; `source`
   * kept). Problems of the document name its YAML fields
   * (`workload.accessesPerDevice`); fields no file has, and values no file
   * resolves to (a ps time that is not an integer, a node id the machine
   * lacks), name the field of the resolved config (`workload.thinkTimePs`).
   * @throws ConfigValidationError listing every problem, with the config's `source` as the file.
   */
  check(config: SimConfig): SimConfig {
    const source = typeof fieldsOf(config)['source'] === 'string' ? config.source : OBJECT_SOURCE;
    const { document, issues } = configDocument(config, this.catalog);
    if (issues.length > 0) throw new ConfigValidationError(toConfigIssues(issues, source));
    const resolved = validateAndResolve(document, source, this.schema, this.catalog);
    const { source: _given, topology, ...given } = config;
    const { source: _resolved, ...expected } = resolved;
    // nodes last: a node object shared with cpus or devices is reported under cpus[i] / devices[i].
    const { nodes, ...machine } = fieldsOf(topology);
    const mismatches = resolvedMismatches({ ...given, topology: { ...machine, nodes } }, expected);
    if (mismatches.length > 0) throw new ConfigValidationError(toConfigIssues(mismatches, source));
    return resolved;
  }

  /**
   * Returns the resolved spec of a workload section built in code from
   * YAML-shaped fields (`{ kind: 'x', opsPerNode: 200 }`; absent fields take
   * their defaults), checked like the section of a file. Only the section's
   * own fields are checked: a workload that refers to the machine (node
   * names) needs `resolve` of a whole config.
   * @throws ConfigValidationError naming the fields when they are invalid.
   */
  resolveWorkload(fields: { readonly kind: string } & Record<string, unknown>, source = `<${fields.kind} workload>`): WorkloadSpec {
    const parsed = parseWithIssues(this.catalog.schema, fields, ['workload'], { kindsText: this.catalog.kindsText });
    if (!parsed.ok) throw new ConfigValidationError(toConfigIssues(parsed.issues, source));
    return this.catalog.resolve(parsed.value as { kind: string }, {
      topology: { name: source, pageSizeBytes: 0, nodes: [], cpus: [], devices: [], links: [] },
      nodeId: (name) => {
        throw new ConfigValidationError([{ file: source, path: 'workload', message: `names node "${name}": resolve it as part of a whole config` }]);
      },
    });
  }

  /**
   * Returns the JSON Schema (draft 2020-12) of the config file format: the
   * input side (size strings, defaults shown, unknown fields forbidden),
   * with descriptions for editors. A new object on every call.
   */
  jsonSchema(): Record<string, unknown> {
    const generated = z.toJSONSchema(this.schema, { target: 'draft-2020-12', io: 'input' });
    const { $schema, ...rest } = generated;
    return { $schema, title: 'cdmsim configuration', ...rest };
  }

  /** Returns the exact text of the checked-in schema file: 2-space JSON plus a final newline. */
  jsonSchemaText(): string {
    return `${JSON.stringify(this.jsonSchema(), null, 2)}\n`;
  }
}
