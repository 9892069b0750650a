/**
 * The litmus workload's config section: one litmus test of
 * @cdmsim/coherence on the real simulator.
 */
import { z } from 'zod';
import { nsToPs, type Ps } from '@cdmsim/engine';
import { defineWorkloadConfig, psAsNs, type WorkloadSpec } from '@cdmsim/config';
import { LITMUS_TESTS } from '@cdmsim/coherence';
import { cacheLinesField, checkCoherenceMachine, watchdogPsField } from '../shared/coherence-config.js';

/** The kind of this workload in config files. */
export const LITMUS = 'litmus';

/** Names of the litmus tests of @cdmsim/coherence, in its order. */
export const LITMUS_TEST_NAMES = LITMUS_TESTS.map((t) => t.name) as [string, ...string[]];

/**
 * A litmus test of @cdmsim/coherence on the real simulator: thread i runs on
 * the i-th node of the CPU/GPU alternation, the test's locations are homed on
 * different nodes, and the outcome is checked against the forbidden ones.
 */
export interface LitmusWorkloadSpec extends WorkloadSpec {
  readonly kind: typeof LITMUS;
  readonly test: string;
  readonly maxStartPs: Ps;
  readonly maxThinkPs: Ps;
  /** When set, every node's cache holds only this many lines (one fully associative set). */
  readonly cacheLines?: number;
  /** A node's coherence transaction outstanding this long fails the run (deadlock / livelock); default: from the topology. */
  readonly watchdogPs?: Ps;
}

const fields = {
  test: z.enum(LITMUS_TEST_NAMES).describe('Which litmus test: its threads run on the nodes (CPUs and GPUs alternately), its locations on different homes.'),
  maxStartNs: z.number().min(0).default(1000).describe('Each thread starts after its node\'s warm-up loads plus a delay drawn from [0, maxStartNs] nanoseconds.'),
  maxThinkNs: z.number().min(0).default(300).describe('Think time between a thread\'s instructions, drawn from [0, maxThinkNs] nanoseconds.'),
  cacheLines: cacheLinesField('Shrink every node\'s cache to this many lines (one fully associative set); default: the topology\'s caches.'),
  watchdogPs: watchdogPsField(),
};

/** The config section of the litmus workload. */
export const litmusConfig = defineWorkloadConfig<LitmusWorkloadSpec, typeof fields>({
  kind: LITMUS,
  description: `A litmus test (${LITMUS_TEST_NAMES.join(', ')}): per-node programs from its definition; the outcome is checked against its forbidden outcomes, SWMR and data values across workers.`,
  fields,
  check: (machine) => checkCoherenceMachine(machine, LITMUS),
  resolve(w) {
    return {
      kind: LITMUS,
      test: w.test,
      maxStartPs: nsToPs(w.maxStartNs),
      maxThinkPs: nsToPs(w.maxThinkNs),
      ...(w.cacheLines !== undefined ? { cacheLines: w.cacheLines } : {}),
      ...(w.watchdogPs !== undefined ? { watchdogPs: w.watchdogPs } : {}),
    };
  },
  document(spec) {
    return {
      test: spec['test'],
      maxStartNs: psAsNs(spec['maxStartPs']),
      maxThinkNs: psAsNs(spec['maxThinkPs']),
      cacheLines: spec['cacheLines'],
      watchdogPs: spec['watchdogPs'],
    };
  },
});
