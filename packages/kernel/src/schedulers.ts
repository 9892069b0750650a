/**
 * The run modes over the same kernels and model code; only how the nodes'
 * kernels agree on time differs. A worker thread hosts a `NodeGroup`: one
 * or more nodes, each with its kernel and its ring transport; a node sends
 * to a neighbour in the same group straight into that neighbour's kernel
 * (`GroupOutbox`), to any other node through the rings (protobuf batches).
 *
 * deterministic — conservative parallel DES in barrier-synchronised rounds
 *   (YAWNS / SST style, with a lookahead per pair of nodes). At each
 *   barrier every node publishes the earliest event it knows of for each
 *   node (its own next event, and the earliest arrival of what it sent to
 *   each neighbour, in flight) and what its events allow
 *   (`NodeKernel.sendBoundsPs`): for each node i, how soon anything they
 *   cause can arrive there. An event at t of a kind whose receiver declares
 *   a reaction r (`MESSAGE_PORTS` reactsAfter: a home agent answers no
 *   sooner than its memory latency) gives t + r + D[k][i]; a forward, or a
 *   timer that only sends to a known node (`sendAt`: the home agent's
 *   answer), reaches only its next hop h first, and anything else through
 *   h. The kernel enforces both declarations. The last worker to arrive
 *   takes the minimum over every node's bounds (and over what is in
 *   flight, as its destination's events) as every node's horizon H_i,
 *   where D[k][i] is the lowest path latency from k to i (for k = i, the
 *   shortest round trip to a neighbour and back): no message can reach
 *   node i before H_i. Only workers with a node
 *   that has an event before its horizon take part in the next round; the
 *   others sleep, their published rows standing for them. Inside a round
 *   the workers run in parallel and each runs its nodes one after the other
 *   up to their horizons: a node's sends arrive at H or later, so nothing a
 *   node sends in a round can reach a node of the same group before that
 *   node's horizon. Envelopes are ordered by (time, seeded tie, src, seq),
 *   so a node processes its events in the same order whatever the rounds,
 *   the grouping or the thread timing: results depend only on config + seed.
 *
 * sequential — one worker hosts every node and always runs the earliest
 *   pending event of any node (`runSequential`): no rounds, no barrier, no
 *   rings, no encoding. The reference every deterministic run must
 *   reproduce exactly.
 *
 * free — one node per worker; every worker runs as fast as it can;
 *   envelopes are processed when they arrive (an envelope older than the
 *   local clock runs "now"), and the run ends by quiescence: every worker
 *   idle and nothing in flight.
 */
import type { NodeId, Ps } from '@cdmsim/engine';
import type { Transport } from '@cdmsim/bus';
import type { cdmsim, EnvelopeData } from '@cdmsim/proto';
import { CdmsimError } from '@cdmsim/engine';
import type { NodeKernel, Outbox, RunBound } from './kernel.js';
import { RunAborted, type RunControl } from '@cdmsim/shm';

/** Scheduler counters of one worker (plain data). */
export interface SchedulerStats {
  /** Deterministic rounds this worker took part in (0 in free mode). */
  rounds: number;
  idleSleeps: number;
  backPressureRetries: number;
  /** Host wall ms the scheduler ran (a host figure: it varies between identical runs). */
  wallMs: number;
  /** Host wall ms of `wallMs` spent waiting: at the round barrier (deterministic) or asleep with nothing to do (free); the rest is the worker's busy time. */
  waitMs: number;
}

/** Returns counters with nothing counted yet. */
export function emptySchedulerStats(): SchedulerStats {
  return { rounds: 0, idleSleeps: 0, backPressureRetries: 0, wallMs: 0, waitMs: 0 };
}

/** One node hosted by a worker: its kernel and its ring transport (to and from nodes of other workers). */
export interface GroupMember {
  readonly kernel: NodeKernel;
  readonly transport: Transport;
}

/** What the schedulers drive: the nodes of one worker, in node order, and the run's control block. */
export interface SchedulerParts {
  readonly members: readonly GroupMember[];
  readonly sync: RunControl;
  /** This worker's index (its doorbell and barrier slot). */
  readonly worker: number;
  /**
   * Called at every point where thread timing could matter (before a
   * barrier, after it, before a flush). Tests pass a random delay here to
   * show that deterministic results do not depend on thread timing.
   */
  readonly perturb?: () => void;
}

/** Thrown in deterministic mode when an envelope arrives for a time its node has already run past: the horizon was not a lower bound. */
export class CausalityViolation extends CdmsimError {
  override readonly name = 'CausalityViolation';
}

/**
 * The outbox of every node of one worker: an envelope for a node of the
 * same worker goes straight into that node's kernel (through `arrive`, the
 * mode's delivery check); any other goes to the sender's ring transport.
 */
export class GroupOutbox {
  readonly #local = new Map<number, GroupMember>();
  /** Envelopes for a node of this worker whose kernel does not exist yet (sent while the models are built). */
  readonly #early = new Map<number, EnvelopeData[]>();
  #arrive: (member: GroupMember, env: cdmsim.Envelope | EnvelopeData) => void = (m, env) => m.kernel.deliver(env);

  /** `nodes`: every node this worker hosts. */
  constructor(nodes: Iterable<NodeId>) {
    for (const node of nodes) this.#early.set(node, []);
  }

  /** Registers `member` (call once its kernel exists); hands it what was sent to it before. */
  add(member: GroupMember): void {
    this.#local.set(member.kernel.self, member);
    const early = this.#early.get(member.kernel.self);
    this.#early.delete(member.kernel.self);
    for (const env of early ?? []) this.#arrive(member, env);
  }

  /** Returns the outbox of the node whose ring transport is `transport`. */
  outboxFor(transport: Transport): Outbox {
    return {
      post: (next, env) => {
        const local = this.#local.get(next);
        if (local) this.#arrive(local, env);
        else if (this.#early.has(next)) this.#early.get(next)!.push(env);
        else transport.post(next, env);
      },
    };
  }

  /** Sets the delivery every envelope arriving at a node of this worker goes through (the schedulers check causality there). */
  setArrive(arrive: (member: GroupMember, env: cdmsim.Envelope | EnvelopeData) => void): void {
    this.#arrive = arrive;
  }
}

/** Flushes every member's transport, draining our own rings while a neighbour's ring is full. */
function flushAll(parts: SchedulerParts, stats: SchedulerStats, receive: () => number): void {
  for (;;) {
    let all = true;
    for (const m of parts.members) if (!m.transport.flush()) all = false;
    if (all) return;
    stats.backPressureRetries++;
    for (const m of parts.members) m.transport.wakeBlocked();
    if (parts.sync.aborted) throw new RunAborted('run aborted');
    const seen = parts.sync.doorbellValue(parts.worker);
    if (receive() === 0) parts.sync.sleep(parts.worker, seen, 1);
  }
}

/**
 * Runs the deterministic round loop of one worker until no event is left
 * anywhere. `distances` comes from `horizonDistances`; `outbox` is the
 * group's (its deliveries get the causality check). Returns the worker's counters.
 * @throws CausalityViolation when an envelope arrives for a time its node already ran past.
 */
export function runDeterministic(parts: SchedulerParts, distances: Float64Array, outbox?: GroupOutbox): SchedulerStats {
  const { members, sync, worker } = parts;
  const perturb = parts.perturb ?? ((): void => undefined);
  const n = sync.nodes;
  const stats = emptySchedulerStats();
  const startMs = performance.now();
  /** Per member: every event before this time has run; an envelope arriving earlier came too late. */
  const ranToPs = new Float64Array(n);
  const arrive = (m: GroupMember, env: cdmsim.Envelope | EnvelopeData): void => {
    const ran = ranToPs[m.kernel.self]!;
    const at = env.arriveTimePs ?? 0;
    if (at < ran) {
      throw new CausalityViolation(
        `node ${m.kernel.spec.name}: envelope ${env.src}:${env.seq} arriving at ${at} ps was received after the node ran to ${ran} ps (seed ${m.kernel.seed})`,
      );
    }
    m.kernel.deliver(env);
  };
  outbox?.setArrive(arrive);
  const receive = (): number => {
    let count = 0;
    for (const m of members) count += m.transport.drain((env) => arrive(m, env));
    return count;
  };
  /**
   * Row of one node (see `RunControl.publishRow`): the earliest event it
   * knows of for each node, its bounds on arrivals at each node, and the
   * earliest time each neighbour may send because of what it sent there.
   */
  const row = new Float64Array(3 * n);
  const bounds = row.subarray(n, 2 * n);
  const publishRows = (): void => {
    for (const m of members) {
      const self = m.kernel.self;
      row.fill(Number.POSITIVE_INFINITY);
      row[self] = m.kernel.nextEventPs();
      m.kernel.sendBoundsPs(distances, bounds);
      m.kernel.takeSentArrivals((neighbour, arrivalPs, sendPs) => {
        if (arrivalPs < row[neighbour]!) row[neighbour] = arrivalPs;
        if (sendPs < row[2 * n + neighbour]!) row[2 * n + neighbour] = sendPs;
      });
      sync.publishRow(self, row);
    }
  };
  for (;;) {
    publishRows();
    perturb();
    const arrivedMs = performance.now();
    const released = sync.arriveRound(worker, distances, receive, parts.perturb);
    stats.waitMs += performance.now() - arrivedMs;
    if (released === null) break;
    perturb();
    receive();
    stats.rounds++;
    for (let i = 0; i < members.length; i++) {
      const kernel = members[i]!.kernel;
      const horizon: Ps = sync.horizonOf(kernel.self);
      kernel.runUntil(horizon);
      ranToPs[kernel.self] = horizon;
      sync.setProgress(kernel.self, kernel.nowPs);
    }
    perturb();
    flushAll(parts, stats, receive);
  }
  stats.wallMs = performance.now() - startMs;
  return stats;
}

/**
 * Runs every node of `members` (one worker hosting them all; `outbox` is
 * theirs) in global time order: always the earliest pending event of any
 * node next, equal times in node order. Each envelope reaches its node's
 * kernel when it is sent (no rings, no rounds, no horizons), so this is the
 * textbook sequential event loop over the same kernels and model code, and
 * the reference the deterministic engine must reproduce: a parallel round
 * in which a node saw another node's later work (shared state touched
 * outside the message order, a horizon that was not a lower bound) would
 * make the two differ. The earliest node runs its events in one go while
 * they stay ahead of every other node's next event (which its own sends
 * may lower meanwhile). Reports each node's simulated time to `sync`.
 * Returns the scheduler's counters (no rounds).
 * @throws CausalityViolation when an envelope arrives for a time its node already ran past (a zero-latency path).
 */
export function runSequential(members: readonly GroupMember[], outbox: GroupOutbox, sync: RunControl): SchedulerStats {
  const stats = emptySchedulerStats();
  const startMs = performance.now();
  const kernels = members.map((m) => m.kernel);
  const n = kernels.length;
  const indexOf = new Map(kernels.map((k, i) => [k, i]));
  /** Index of the node running its events, -1 between runs. */
  let running = -1;
  /** The earliest pending event of every node but the running one, and the lowest such node (ties go to it). */
  let othersPs = Number.POSITIVE_INFINITY;
  let othersIndex = n;
  const bound: RunBound = { ps: Number.POSITIVE_INFINITY, inclusive: false };
  outbox.setArrive((m, env) => {
    const at = env.arriveTimePs ?? 0;
    if (at < m.kernel.nowPs) {
      throw new CausalityViolation(
        `node ${m.kernel.spec.name}: envelope ${env.src}:${env.seq} arriving at ${at} ps was sent after the node ran to ${m.kernel.nowPs} ps (seed ${m.kernel.seed})`,
      );
    }
    m.kernel.deliver(env);
    const i = indexOf.get(m.kernel)!;
    if (i !== running && (at < othersPs || (at === othersPs && i < othersIndex))) {
      othersPs = at;
      othersIndex = i;
      bound.ps = at;
      bound.inclusive = running < i;
    }
  });
  for (;;) {
    let first = -1;
    let firstPs = Number.POSITIVE_INFINITY;
    othersPs = Number.POSITIVE_INFINITY;
    othersIndex = n;
    // The earliest and the runner-up, each the lowest node among equal times.
    for (let i = 0; i < n; i++) {
      const t = kernels[i]!.nextEventPs();
      if (t < firstPs) {
        othersPs = firstPs;
        othersIndex = first < 0 ? n : first;
        firstPs = t;
        first = i;
      } else if (t < othersPs) {
        othersPs = t;
        othersIndex = i;
      }
    }
    if (first < 0) {
      stats.wallMs = performance.now() - startMs;
      return stats;
    }
    running = first;
    bound.ps = othersPs;
    bound.inclusive = first < othersIndex;
    const kernel = kernels[first]!;
    kernel.runWithin(bound);
    running = -1;
    sync.setProgress(kernel.self, kernel.nowPs);
  }
}

/** Events processed between two flushes in free mode (bounds the latency a neighbour sees). */
const FREE_MODE_BATCH_EVENTS = 64;

/**
 * Runs the free loop of a worker hosting one node until quiescence. Returns the scheduler's counters.
 * @throws CdmsimError when the worker hosts more than one node (free mode runs one node per worker).
 */
export function runFree(parts: SchedulerParts): SchedulerStats {
  const { members, sync, worker } = parts;
  const member = members[0];
  if (!member || members.length !== 1) throw new CdmsimError(`free mode runs one node per worker; worker ${worker} hosts ${members.length}`);
  const { kernel, transport } = member;
  const stats = emptySchedulerStats();
  const startMs = performance.now();
  let idle = false;
  const receive = (): number => {
    const n = transport.drain((env) => kernel.deliver(env));
    if (n > 0) sync.removeInFlight(n);
    return n;
  };
  for (;;) {
    if (sync.aborted) throw new RunAborted('run aborted');
    if (sync.finished) break;
    const seen = sync.doorbellValue(worker);
    if (idle) {
      // Leave idle before taking envelopes out of flight, so the shared
      // counter never reads "all idle, nothing in flight" while work exists.
      sync.leaveIdle();
      idle = false;
    }
    receive();
    if (kernel.pendingEvents > 0) {
      kernel.runUntil(Number.POSITIVE_INFINITY, FREE_MODE_BATCH_EVENTS);
      sync.setProgress(kernel.self, kernel.nowPs);
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
    const sleptMs = performance.now();
    sync.sleep(worker, seen, 50);
    stats.waitMs += performance.now() - sleptMs;
  }
  stats.wallMs = performance.now() - startMs;
  return stats;
}
