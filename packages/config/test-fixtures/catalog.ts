/**
 * A small workload catalog for the config package's own tests: the config
 * format is tested against these two kinds, so the tests do not depend on
 * the real workloads (@cdmsim/workloads tests those).
 */
import { z } from 'zod';
import { nodeId, type NodeId } from '@cdmsim/engine';
import { ConfigFormat, WorkloadCatalog, defineWorkloadConfig, formatBytes, nodeNameField, sizeField, type PathIssue, type WorkloadSpec } from '../src/index.js';

/** The default kind of the test catalog: it names a CPU node and a size that must fit a page. */
export interface ProbeSpec extends WorkloadSpec {
  readonly kind: 'probe';
  readonly node: NodeId;
  readonly bytes: number;
  readonly count: number;
}

const probeFields = {
  node: nodeNameField('CPU node the probe runs on; default: the first cpu.').optional(),
  bytes: sizeField('Bytes per probe (at most pageSize).').prefault('64B'),
  count: z.number().int().positive().default(1).describe('Probes.'),
};

export const PROBE = defineWorkloadConfig<ProbeSpec, typeof probeFields>({
  kind: 'probe',
  description: 'A test workload that names a node.',
  fields: probeFields,
  check(machine, w) {
    const issues: PathIssue[] = [];
    if (w.node !== undefined && !machine.cpus.some((c) => c.name === w.node)) issues.push({ path: ['workload', 'node'], message: `no CPU node named "${w.node}"` });
    if (w.bytes > machine.pageSize) issues.push({ path: ['workload', 'bytes'], message: `must be at most pageSize ${formatBytes(machine.pageSize)}` });
    return issues;
  },
  resolve: (w, m) => ({ kind: 'probe', node: w.node === undefined ? nodeId(0) : m.nodeId(w.node), bytes: w.bytes, count: w.count }),
  document: (spec, context) => ({ node: context.nodeName(spec['node'], ['workload', 'node']), bytes: spec['bytes'], count: spec['count'] }),
});

/** The second kind of the test catalog. */
export interface OtherSpec extends WorkloadSpec {
  readonly kind: 'other';
  readonly lines: number;
}

const otherFields = { lines: z.number().int().positive().max(64).default(3).describe('Lines.') };

export const OTHER = defineWorkloadConfig<OtherSpec, typeof otherFields>({
  kind: 'other',
  description: 'Another test workload.',
  fields: otherFields,
  resolve: (w) => ({ kind: 'other', lines: w.lines }),
  document: (spec) => ({ lines: spec['lines'] }),
});

/** The config format of the test catalog (default kind: probe). */
export const FORMAT = new ConfigFormat(new WorkloadCatalog([PROBE, OTHER]));
