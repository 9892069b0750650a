/**
 * The shared-buffer workload: a process on a CPU node maps and writes a
 * buffer, every device mirrors its slice with range faults and reads and
 * writes it through the bus (each access at the home agent of its page),
 * and the process reads it back and checks every chunk and every device's
 * digest.
 */
import { CdmsimError } from '@cdmsim/engine';
import { formatBytes } from '@cdmsim/config';
import { defineWorkload } from '../workload.js';
import { sharedBufferConfig, SHARED_BUFFER_EXAMPLE_YAML, type SharedBufferWorkloadSpec } from './config.js';
import type { SharedBufferOutcome } from './process-role.js';
import { sharedBufferRole, type SharedBufferNodeReport } from './role.js';

export { SHARED_BUFFER, MAX_BUFFER_BYTES, type SharedBufferWorkloadSpec } from './config.js';
export type { SharedBufferOutcome } from './process-role.js';
export type { SharedBufferNodeReport } from './role.js';
export type { DeviceWorkloadStats } from './device-role.js';

/** The shared-buffer workload, as registered. */
export const sharedBuffer = defineWorkload<SharedBufferWorkloadSpec, SharedBufferNodeReport, SharedBufferOutcome>({
  config: sharedBufferConfig,
  exampleYaml: SHARED_BUFFER_EXAMPLE_YAML,
  createRole: sharedBufferRole,
  outcome(_config, shares) {
    const outcome = shares.find((s) => s.share?.outcome)?.share?.outcome;
    if (!outcome) throw new CdmsimError('shared-buffer: the process node reported no outcome');
    // The process exited, so its exit invalidated every mirror of it: a device still mapping a page of it missed an invalidation.
    const stale = shares.flatMap((s) => ((s.share?.mirrorEntries ?? 0) > 0 ? [`${s.name} still mirrors ${s.share!.mirrorEntries} pages of the exited process`] : []));
    return stale.length === 0 ? outcome : { ...outcome, verified: false, problems: [...outcome.problems, ...stale] };
  },
  describe: (w) => `shared-buffer ${formatBytes(w.bufferBytes)} from ${w.processNode}, ${w.devices} devices, ${w.deviceReads} reads + ${w.deviceWrites} writes of ${w.accessBytes} B${w.overlap ? ', overlapping (racy)' : ', disjoint slices'}${w.mirror === 'on-fault' ? ', mirrors built from device faults' : ''}`,
  describeCheck: (w) => `passed (${w.chunks.written} chunks hold device writes, ${w.chunks.initial} initial)`,
});
