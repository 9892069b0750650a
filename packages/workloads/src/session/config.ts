/**
 * The session workload's config section: no work of its own; the library
 * user's commands drive the nodes (processes on CPU nodes, the test device
 * on every device), through `Simulation.step` / the `HmmSession` API.
 */
import { z } from 'zod';
import { defineWorkloadConfig, type PathIssue, type WorkloadSpec } from '@cdmsim/config';

/** The kind of this workload in config files. */
export const SESSION = 'session';

/** An interactive session: commands from the library API, no workload of its own. */
export interface SessionWorkloadSpec extends WorkloadSpec {
  readonly kind: typeof SESSION;
  /** Pages of its memory each device's driver registers (its first N frames); absent = all of it. */
  readonly devicePages?: number;
  /** A driver asks the CPU nodes for pages back (eviction) when fewer than this many are free; 0 = never. */
  readonly evictBelowFreePages: number;
  /** TEST ONLY: break one rule so tests can check the stress's checks fail. */
  readonly testOnlySabotage?: SessionSabotageName;
}

/** TEST ONLY: the rules a session can break (`stale-mirror`: device mirrors ignore every invalidation). */
export const SESSION_SABOTAGE_NAMES = ['stale-mirror'] as const;

/** One of SESSION_SABOTAGE_NAMES. */
export type SessionSabotageName = (typeof SESSION_SABOTAGE_NAMES)[number];

const fields = {
  devicePages: z.number().int().positive().optional().describe('Pages of its memory each device\'s driver registers (hmm_devmem_add); default: all of it.'),
  evictBelowFreePages: z.number().int().min(0).default(0).describe('A driver asks the CPU nodes holding its pages to migrate some back to RAM (eviction) when fewer than this many of its pages are free; 0 = never.'),
  testOnlySabotage: z.enum(SESSION_SABOTAGE_NAMES).optional().describe('TEST ONLY: break one rule throughout the run (stale-mirror: device mirrors acknowledge invalidations but keep their entries) so tests can check the checks fail.'),
};

/** The config section of the session workload. */
export const sessionWorkloadConfig = defineWorkloadConfig<SessionWorkloadSpec, typeof fields>({
  kind: SESSION,
  description: 'An interactive session: the library user starts processes, maps and touches memory and issues test-device (dmirror) commands, step by step.',
  fields,
  check(machine, w) {
    const issues: PathIssue[] = [];
    if (w.devicePages !== undefined) {
      machine.devices.forEach((d, i) => {
        if (d.memory.size < w.devicePages! * machine.pageSize) issues.push({ path: ['devices', i, 'memory', 'size'], message: `holds fewer than workload.devicePages (${w.devicePages}) pages` });
      });
    }
    return issues;
  },
  resolve(w) {
    return { kind: SESSION, evictBelowFreePages: w.evictBelowFreePages, ...(w.devicePages !== undefined ? { devicePages: w.devicePages } : {}), ...(w.testOnlySabotage !== undefined ? { testOnlySabotage: w.testOnlySabotage } : {}) };
  },
  document(spec) {
    return { evictBelowFreePages: spec['evictBelowFreePages'], ...(spec['devicePages'] !== undefined ? { devicePages: spec['devicePages'] } : {}), ...(spec['testOnlySabotage'] !== undefined ? { testOnlySabotage: spec['testOnlySabotage'] } : {}) };
  },
});
