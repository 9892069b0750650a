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
}

const fields = {
  devicePages: z.number().int().positive().optional().describe('Pages of its memory each device\'s driver registers (hmm_devmem_add); default: all of it.'),
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
    return { kind: SESSION, ...(w.devicePages !== undefined ? { devicePages: w.devicePages } : {}) };
  },
  document(spec) {
    return spec['devicePages'] !== undefined ? { devicePages: spec['devicePages'] } : {};
  },
});
