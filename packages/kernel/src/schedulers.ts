/**
 * The two run modes. Same kernel, same model code; only how workers agree on
 * time differs.
 *
 * deterministic — conservative parallel DES in barrier-synchronised rounds
 *   (YAWNS / SST style, with a lookahead per pair of nodes). At each
 *   barrier every worker publishes the earliest event it knows of for each
 *   node: its own next event, and the earliest arrival of what it sent to
 *   each neighbour (in flight). The last to arrive gets T_k, the earliest
 *   pending event of every node k, and every worker's horizon
 *   H_i = min_k (T_k + D[k][i]), where D[k][i] is the lowest path latency
 *   from k to i (for k = i, the shortest round trip to a neighbour and
 *   back): no message can reach node i before H_i. Only workers with an
 *   event before their horizon take part in the next round; the others
 *   sleep, their published rows standing for them, so idle devices cost no
 *   wake-ups. Inside a round all active workers run in parallel; empty time
 *   is skipped. Envelopes are ordered by (time, seeded tie,
 *   src, seq), so results depend only on config + seed.
 *
 * free — every worker runs as fast as it can; envelopes are processed when
 *   they arrive (an envelope older than the local clock runs "now"), and the
 *   run ends by quiescence: every worker idle and nothing in flight.
 */
import type { NodeId } from '@cdmsim/engine';
import type { RoutingTable, Transport } from '@cdmsim/bus';
import type { NodeKernel } from './kernel.js';
import { RunAborted, type RunControl } from '@cdmsim/shm';

/** Scheduler counters (plain data). */
export interface SchedulerStats {
  /** Deterministic rounds run (0 in free mode). */
  rounds: number;
  idleSleeps: number;
  backPressureRetries: number;
}

/** What both schedulers drive. */
export interface SchedulerParts {
  readonly kernel: NodeKernel;
  readonly transport: Transport;
  readonly sync: RunControl;
  readonly me: number;
  /**
   * Called at every point where thread timing could matter (before a
   * barrier, after it, before a flush). Tests pass a random delay here to
   * show that deterministic results do not depend on thread timing.
   */
  readonly perturb?: () => void;
}

/** Thrown in deterministic mode when an envelope arrives for a time this node has already run past: the horizon was not a lower bound. */
export class CausalityViolation extends Error {
  override readonly name = 'CausalityViolation';
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
 * Lower bounds on how long an event at node k takes to affect node i:
 * `D[k * n + i]` is the lowest path latency from k to i, and `D[i * n + i]`
 * the shortest round trip from i to a neighbour and back.
 */
export function horizonDistances(routing: RoutingTable): Float64Array {
  const n = routing.nodeCount;
  const d = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) if (k !== i) d[k * n + i] = routing.pathLatencyPs(k as NodeId, i as NodeId);
  }
  for (let i = 0; i < n; i++) {
    let roundTrip = Number.POSITIVE_INFINITY;
    for (let j = 0; j < n; j++) if (j !== i) roundTrip = Math.min(roundTrip, d[i * n + j]! + d[j * n + i]!);
    d[i * n + i] = roundTrip;
  }
  return d;
}

/**
 * Runs the deterministic round loop until no event is left anywhere.
 * `distances` comes from `horizonDistances`. Returns the scheduler's counters.
 */
export function runDeterministic(parts: SchedulerParts, distances: Float64Array): SchedulerStats {
  const { kernel, sync, me } = parts;
  const perturb = parts.perturb ?? ((): void => undefined);
  const n = sync.parties;
  const stats: SchedulerStats = { rounds: 0, idleSleeps: 0, backPressureRetries: 0 };
  /** Every event before this time has run; an envelope arriving earlier came too late. */
  let ranToPs = 0;
  const deliver = (env: Parameters<NodeKernel['deliver']>[0]): void => {
    if (env.arriveTimePs < ranToPs) {
      throw new CausalityViolation(
        `node ${kernel.spec.name}: envelope ${env.src}:${env.seq} arriving at ${env.arriveTimePs} ps was received after the node ran to ${ranToPs} ps (seed ${kernel.seed})`,
      );
    }
    kernel.deliver(env);
  };
  const receive = (): number => parts.transport.drain(deliver);
  const row = new Float64Array(n);
  const publishRow = (): void => {
    row.fill(Number.POSITIVE_INFINITY);
    row[me] = kernel.nextEventPs();
    kernel.takeSentArrivals((neighbour, t) => {
      if (t < row[neighbour]!) row[neighbour] = t;
    });
  };
  for (;;) {
    publishRow();
    perturb();
    const horizon = sync.arriveRound(me, row, distances, receive, parts.perturb);
    if (horizon === null) break;
    perturb();
    receive();
    stats.rounds++;
    kernel.runUntil(horizon);
    ranToPs = horizon;
    sync.setProgress(me, kernel.nowPs);
    perturb();
    flushAll(parts, stats, receive);
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
  const stats: SchedulerStats = { rounds: 0, idleSleeps: 0, backPressureRetries: 0 };
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
