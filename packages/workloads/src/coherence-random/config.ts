/**
 * The coherence-random workload's config section: the MOESI random tester
 * on the real simulator (every node's cache races on a few shared lines).
 */
import { z } from 'zod';
import { nsToPs, type Ps } from '@cdmsim/engine';
import { defineWorkloadConfig, psAsNs, type WorkloadSpec } from '@cdmsim/config';
import { BROKEN_PROTOCOL_NAMES, type BrokenProtocolName } from '@cdmsim/coherence';
import { cacheLinesField, checkCoherenceMachine, watchdogPsField } from '../shared/coherence-config.js';

/** The kind of this workload in config files. */
export const COHERENCE_RANDOM = 'coherence-random';

/** Largest `opsPerNode` (keeps every store value a distinct Int32). */
export const MAX_COHERENCE_OPS_PER_NODE = 1_000_000;
/** Largest `lines`. */
export const MAX_COHERENCE_LINES = 4096;

/**
 * The coherence random tester on the real simulator: every node's cache
 * issues `opsPerNode` random loads and stores (one at a time) on `lines`
 * shared lines homed in different nodes' memories. Every cache of the
 * machine has the same line size (checked).
 */
export interface CoherenceRandomWorkloadSpec extends WorkloadSpec {
  readonly kind: typeof COHERENCE_RANDOM;
  readonly lines: number;
  readonly opsPerNode: number;
  readonly storeFraction: number;
  readonly maxThinkPs: Ps;
  readonly flushesPer100Ops: number;
  /** When set, every node's cache holds only this many lines (one fully associative set) for this workload. */
  readonly cacheLines?: number;
  /** A node's coherence transaction outstanding this long fails the run (deadlock / livelock); default: from the topology. */
  readonly watchdogPs?: Ps;
  /** TEST ONLY: run this broken protocol variant (checkers must catch it). */
  readonly testOnlyBrokenProtocol?: BrokenProtocolName;
}

const fields = {
  lines: z.number().int().positive().max(MAX_COHERENCE_LINES).default(3).describe('Distinct cache lines every node races on, spread over the memories of different nodes.'),
  opsPerNode: z.number().int().positive().max(MAX_COHERENCE_OPS_PER_NODE).default(500).describe('Loads + stores each node issues, one at a time.'),
  storeFraction: z.number().min(0).max(1).default(0.4).describe('Fraction of operations that are stores, 0..1.'),
  maxThinkNs: z.number().min(0).default(200).describe('Think time between a node\'s operations, drawn from [0, maxThinkNs] nanoseconds.'),
  flushesPer100Ops: z.number().min(0).max(100).default(2).describe('Recalls (page flush of a line at its home directory) per 100 operations of a home node.'),
  cacheLines: cacheLinesField('Shrink every node\'s cache to this many lines (one fully associative set; line size and hit latency kept) so replacements and writebacks (PutM/PutE/PutS) cross the bus; default: the topology\'s caches.'),
  watchdogPs: watchdogPsField(),
  testOnlyBrokenProtocol: z.enum(BROKEN_PROTOCOL_NAMES).optional().describe('TEST ONLY: run a deliberately broken protocol variant so tests can check that the checkers catch it.'),
};

/** The config section of the coherence-random workload. */
export const coherenceRandomConfig = defineWorkloadConfig<CoherenceRandomWorkloadSpec, typeof fields>({
  kind: COHERENCE_RANDOM,
  description: 'The coherence random tester: every node\'s cache issues random loads and stores of distinct values on a few shared lines; SWMR and data values are checked across workers.',
  fields,
  check: (machine) => checkCoherenceMachine(machine, COHERENCE_RANDOM),
  resolve(w) {
    return {
      kind: COHERENCE_RANDOM,
      lines: w.lines,
      opsPerNode: w.opsPerNode,
      storeFraction: w.storeFraction,
      maxThinkPs: nsToPs(w.maxThinkNs),
      flushesPer100Ops: w.flushesPer100Ops,
      ...(w.cacheLines !== undefined ? { cacheLines: w.cacheLines } : {}),
      ...(w.watchdogPs !== undefined ? { watchdogPs: w.watchdogPs } : {}),
      ...(w.testOnlyBrokenProtocol !== undefined ? { testOnlyBrokenProtocol: w.testOnlyBrokenProtocol } : {}),
    };
  },
  document(spec) {
    return {
      lines: spec['lines'],
      opsPerNode: spec['opsPerNode'],
      storeFraction: spec['storeFraction'],
      maxThinkNs: psAsNs(spec['maxThinkPs']),
      flushesPer100Ops: spec['flushesPer100Ops'],
      cacheLines: spec['cacheLines'],
      watchdogPs: spec['watchdogPs'],
      testOnlyBrokenProtocol: spec['testOnlyBrokenProtocol'],
    };
  },
});
