/**
 * The two run modes. Same kernel, same model code; only how workers agree on
 * time differs.
 *
 * deterministic — conservative parallel DES with barrier-synchronised
 *   windows (YAWNS / SST style). Lookahead L is the smallest link latency:
 *   a message sent at t arrives at t + L or later, so inside the window
 *   [T, T + L) every worker processes its own events in parallel with no
 *   message able to reach it in time. At the window's end each worker
 *   contributes min(next local event, earliest arrival it sent) and the
 *   barrier's min-reduction yields the next window's start, skipping empty
 *   time. Envelopes are ordered by (time, seeded tie, src, seq), so results
 *   depend only on config + seed.
 *
 * free — every worker runs as fast as it can; envelopes are processed when
 *   they arrive (an envelope older than the local clock runs "now"), and the
 *   run ends by quiescence: every worker idle and nothing in flight.
 */
import type { Ps } from '@cdmsim/engine';
import type { Transport } from '@cdmsim/bus';
import type { NodeKernel } from './kernel.js';
import { RunAborted, type SyncBlock } from './sync-block.js';

/** Scheduler counters (plain data). */
export interface SchedulerStats {
  windows: number;
  idleSleeps: number;
  backPressureRetries: number;
}

/** What both schedulers drive. */
export interface SchedulerParts {
  readonly kernel: NodeKernel;
  readonly transport: Transport;
  readonly sync: SyncBlock;
  readonly me: number;
}

function drainInto(parts: SchedulerParts): number {
  return parts.transport.drain((env) => parts.kernel.deliver(env));
}

/** Flushes the transport, draining our own rings while a neighbour's ring is full. */
function flushAll(parts: SchedulerParts, stats: SchedulerStats, receive: () => number): void {
  while (!parts.transport.flush()) {
    stats.backPressureRetries++;
    parts.transport.wakeBlocked();
    if (parts.sync.aborted) throw new RunAborted('run aborted');
    const seen = parts.sync.doorbellValue(parts.me);
    if (receive() === 0) parts.sync.sleep(parts.me, seen, 1);
  }
}

/**
 * Runs the deterministic window loop until no event is left anywhere.
 * Returns the scheduler's counters.
 */
export function runDeterministic(parts: SchedulerParts, lookaheadPs: Ps): SchedulerStats {
  const { kernel, sync, me } = parts;
  const stats: SchedulerStats = { windows: 0, idleSleeps: 0, backPressureRetries: 0 };
  const receive = (): number => drainInto(parts);
  const drain = (): void => {
    receive();
  };
  let windowStart = sync.arriveAndReduceMin(me, kernel.nextEventPs(), drain);
  while (windowStart !== Number.POSITIVE_INFINITY) {
    stats.windows++;
    kernel.runUntil(windowStart + lookaheadPs);
    sync.setProgress(me, kernel.nowPs);
    flushAll(parts, stats, receive);
    const contribution = Math.min(kernel.nextEventPs(), kernel.takeMinSentArrival());
    windowStart = sync.arriveAndReduceMin(me, contribution, drain);
    drain();
    if (sync.aborted) throw new RunAborted('run aborted');
  }
  return stats;
}

/** Events processed between two flushes in free mode (bounds the latency a neighbour sees). */
const FREE_MODE_BATCH_EVENTS = 64;

/**
 * Runs the free loop until quiescence. Returns the scheduler's counters.
 */
export function runFree(parts: SchedulerParts): SchedulerStats {
  const { kernel, transport, sync, me } = parts;
  const stats: SchedulerStats = { windows: 0, idleSleeps: 0, backPressureRetries: 0 };
  let idle = false;
  const receive = (): number => {
    const n = drainInto(parts);
    if (n > 0) sync.removeInFlight(n);
    return n;
  };
  for (;;) {
    if (sync.aborted) throw new RunAborted('run aborted');
    if (sync.finished) break;
    const seen = sync.doorbellValue(me);
    if (idle) {
      // Leave idle before taking envelopes out of flight, so the shared
      // counter never reads "all idle, nothing in flight" while work exists.
      sync.leaveIdle();
      idle = false;
    }
    receive();
    if (kernel.pendingEvents > 0) {
      kernel.runUntil(Number.POSITIVE_INFINITY, FREE_MODE_BATCH_EVENTS);
      sync.setProgress(me, kernel.nowPs);
      const pending = transport.pendingCount;
      if (pending > 0) {
        sync.addInFlight(pending);
        flushAll(parts, stats, receive);
      }
      continue;
    }
    idle = true;
    if (sync.enterIdle()) {
      sync.finish();
      break;
    }
    stats.idleSleeps++;
    sync.sleep(me, seen, 50);
  }
  return stats;
}
