/**
 * The run-control block shared by all workers of one simulation: one
 * doorbell per worker (the only word a worker ever sleeps on), the round
 * barrier with its all-gather of per-node horizon rows, the free-mode
 * quiescence counter, per-node progress figures and the abort and finish
 * flags. A worker hosts one or more simulated nodes (`workerOf`); the
 * barrier's parties are workers, its rows and horizons are nodes'. Its
 * layout is `RUN_CONTROL_LAYOUT` in layout.ts.
 */
import { CdmsimError, InvariantViolation } from '@cdmsim/engine';
import { CACHE_LINE_WORDS, RC_ABORT, RC_ACTIVE_OFFSET, RC_ARRIVED, RC_SLEEPERS_OFFSET, RC_DOORBELL_BASE, RC_EXPECTED, RC_FINISHED, RC_GENERATION, RC_IN_FLIGHT_SHIFT, RC_ROUNDS, RC_SPIN } from './layout.js';


const IDLE_UNIT = 1n;
/**
 * Generation checks a barrier waiter spins through before it sleeps when
 * every worker can have its own core (about 0.3 ms). Waking a sleeper costs
 * the closer a futex call and the sleeper a reschedule: on this project's
 * 2-core VM a notify costs 5–15 µs and the woken worker starts 10–30 µs
 * later, while a round's busy time differs between two workers by up to a
 * few tens of µs. Measured on the 16 MiB shared-buffer run with 2 workers:
 * with 2 000 checks the last arriver of a round waited 10.6 µs on average
 * (p90 16 µs) before both ran again; with 300 000 checks 1.5 µs (p90
 * 1.2 µs). With more workers than cores spinning only steals the core a
 * late party needs (measured: 6 workers on 2 cores, 140 µs per barrier
 * without spinning, 490 µs with 20k checks), so then nobody spins.
 */
export const SPIN_CHECKS_WHEN_CORES_SUFFICE = 300_000;
const IN_FLIGHT_UNIT = 1n << BigInt(RC_IN_FLIGHT_SHIFT);

/** Plain-data handle of a sync block (posted to workers). */
export interface RunControlHandle {
  readonly sab: SharedArrayBuffer;
  /** Workers (the barrier's parties). */
  readonly parties: number;
  /** Simulated nodes the workers host. */
  readonly nodes: number;
}

/** Thrown inside a worker when another worker failed or the run was stopped. */
export class RunAborted extends Error {
  override readonly name = 'RunAborted';
}

/** Views over a sync block. */
export class RunControl {
  /** Workers (the barrier's parties). */
  readonly parties: number;
  /** Simulated nodes the workers host. */
  readonly nodes: number;
  readonly #i32: Int32Array;
  /** Worker of each node (a copy of the block's map, read once). */
  readonly #workerOf: Int32Array;
  /** Scratch of the last arriver: whether each worker has a node with an event before its horizon. */
  readonly #active: Uint8Array;
  readonly #f64: Float64Array;
  readonly #quiescence: BigInt64Array;
  readonly #matrix: Float64Array;
  /** Scratch of the last arriver: the earliest pending event of each node. */
  readonly #earliest: Float64Array;
  /** Scratch of the last arriver: the earliest time each node may send because of what is in flight toward it. */
  readonly #inFlightSend: Float64Array;

  /**
   * Allocates a block for `nodes` simulated nodes on a host with `cores`
   * cores. `workerOf[node]` is the worker hosting each node (default: one
   * worker per node); workers are numbered 0..w-1 and each hosts at least
   * one node. Barrier waiters spin only when every worker can have its own core.
   * @throws CdmsimError when `workerOf` does not map every node to a worker 0..w-1 that hosts at least one node.
   */
  static create(nodes: number, cores: number, workerOf: readonly number[] = Array.from({ length: nodes }, (_, i) => i)): RunControl {
    const parties = Math.max(...workerOf) + 1;
    if (workerOf.length !== nodes || workerOf.some((w) => !Number.isInteger(w) || w < 0) || new Set(workerOf).size !== parties) {
      throw new CdmsimError(`RunControl: workerOf must give each of the ${nodes} nodes a worker, every worker 0..${parties - 1} hosting at least one (got [${workerOf.join(', ')}])`);
    }
    const int32Bytes = (RC_DOORBELL_BASE + parties * CACHE_LINE_WORDS + nodes) * 4;
    const f64Base = Math.ceil(int32Bytes / 8) * 8;
    const f64Bytes = 4 * nodes * 8;
    const matrixBytes = 3 * nodes * nodes * 8;
    const sab = new SharedArrayBuffer(f64Base + f64Bytes + 64 + 64 + matrixBytes);
    const i32 = new Int32Array(sab);
    for (let i = 0; i < nodes; i++) i32[RC_DOORBELL_BASE + parties * CACHE_LINE_WORDS + i] = workerOf[i]!;
    const block = new RunControl({ sab, parties, nodes });
    block.#i32[RC_SPIN] = parties <= cores ? SPIN_CHECKS_WHEN_CORES_SUFFICE : 0;
    // Every worker takes part in the first round (generation 0); no row is known yet.
    block.#i32[RC_EXPECTED] = parties;
    for (let i = 0; i < parties; i++) block.#i32[RC_DOORBELL_BASE + i * CACHE_LINE_WORDS + RC_ACTIVE_OFFSET] = 0;
    block.#matrix.fill(Number.POSITIVE_INFINITY);
    return block;
  }

  /** Rebuilds the views in another thread. */
  static attach(handle: RunControlHandle): RunControl {
    return new RunControl(handle);
  }

  private constructor(readonly handle: RunControlHandle) {
    this.parties = handle.parties;
    this.nodes = handle.nodes;
    const n = handle.nodes;
    const mapBase = RC_DOORBELL_BASE + handle.parties * CACHE_LINE_WORDS;
    const int32Words = mapBase + n;
    this.#i32 = new Int32Array(handle.sab, 0, int32Words);
    this.#workerOf = Int32Array.from(this.#i32.subarray(mapBase, mapBase + n));
    const f64Base = Math.ceil((int32Words * 4) / 8) * 8;
    this.#f64 = new Float64Array(handle.sab, f64Base, 4 * n);
    const qOffset = Math.ceil((f64Base + 4 * n * 8) / 64) * 64;
    this.#quiescence = new BigInt64Array(handle.sab, qOffset, 1);
    this.#matrix = new Float64Array(handle.sab, qOffset + 64, 3 * n * n);
    this.#earliest = new Float64Array(n);
    this.#inFlightSend = new Float64Array(n);
    this.#active = new Uint8Array(handle.parties);
  }

  /** Returns the worker hosting `node`. */
  workerOf(node: number): number {
    return this.#workerOf[node]!;
  }

  /** Rounds closed so far (deterministic mode). */
  get rounds(): number {
    // why: read once the run is over (or for display); seq-cst keeps it simple.
    return Atomics.load(this.#i32, RC_ROUNDS);
  }

  /** Current value of worker `i`'s doorbell (read before checking for work, then pass to `sleep`). */
  doorbellValue(i: number): number {
    // why: seq-cst load pairs with ring()'s add so a ring after this read changes the value we sleep on.
    return Atomics.load(this.#i32, RC_DOORBELL_BASE + i * CACHE_LINE_WORDS);
  }

  /** Wakes worker `i` (no lost wake-ups: the value changes before notify). */
  ring(i: number): void {
    const at = RC_DOORBELL_BASE + i * CACHE_LINE_WORDS;
    // why: the add publishes "something changed" before the sleeper check (Dekker with sleep()).
    Atomics.add(this.#i32, at, 1);
    // why: notify costs a lock in V8; skip it when the worker cannot be asleep (sleep() registers first).
    if (Atomics.load(this.#i32, at + RC_SLEEPERS_OFFSET) !== 0) Atomics.notify(this.#i32, at);
  }

  /** Wakes every worker. */
  ringAll(): void {
    for (let i = 0; i < this.parties; i++) this.ring(i);
  }

  /** Sleeps worker `i` until its doorbell differs from `seen` or `timeoutMs` passes. */
  sleep(i: number, seen: number, timeoutMs: number): void {
    const at = RC_DOORBELL_BASE + i * CACHE_LINE_WORDS;
    // why: register before the wait re-checks the doorbell, so a concurrent ring() either sees us or changes the value first.
    Atomics.add(this.#i32, at + RC_SLEEPERS_OFFSET, 1);
    // why: sleeps only if nobody rang since `seen` was read (no lost wake-up); the timeout bounds a missed abort.
    Atomics.wait(this.#i32, at, seen, timeoutMs);
    // why: deregister so ring() stops notifying.
    Atomics.sub(this.#i32, at + RC_SLEEPERS_OFFSET, 1);
  }

  /** True once the run was aborted. */
  get aborted(): boolean {
    // why: plain flag polled by every loop; seq-cst so it is seen right after the ring that announced it.
    return Atomics.load(this.#i32, RC_ABORT) !== 0;
  }

  /** Marks the run aborted and wakes everybody so that no worker hangs. */
  abort(): void {
    // why: seq-cst store before ringAll(): a woken waiter is guaranteed to see the flag.
    Atomics.store(this.#i32, RC_ABORT, 1);
    this.ringAll();
  }

  /**
   * Makes the block ready for another run of the same workers after every
   * one of them returned from the last (a session's next step): not
   * finished, nobody arrived, every worker expected at the first barrier,
   * nobody idle and nothing in flight. Call only while no worker runs (the
   * orchestrator, between steps).
   */
  restart(): void {
    // why: no worker runs (they all returned); seq-cst so the next run's first barrier load sees 0.
    Atomics.store(this.#i32, RC_ARRIVED, 0);
    // why: seq-cst, seen by the first worker to arrive at the next run's barrier.
    Atomics.store(this.#i32, RC_EXPECTED, this.parties);
    // why: seq-cst, the idle/in-flight word is read by the next run's quiescence check.
    Atomics.store(this.#quiescence, 0, 0n);
    // why: seq-cst, polled by the next run's workers before their first round.
    Atomics.store(this.#i32, RC_FINISHED, 0);
  }

  /** True once the run finished (free-mode quiescence). */
  get finished(): boolean {
    // why: polled flag; seq-cst so it is seen right after the ring that announced it.
    return Atomics.load(this.#i32, RC_FINISHED) !== 0;
  }

  /** Marks the run finished and wakes everybody. */
  finish(): void {
    // why: seq-cst store before ringAll(): a woken worker is guaranteed to see the flag.
    Atomics.store(this.#i32, RC_FINISHED, 1);
    this.ringAll();
  }

  /**
   * Publishes node `node`'s row for the next barrier, 3n entries: at k
   * (0..n-1) the earliest event `node` knows of for node k (its own next
   * event at k = node, and the earliest arrival it sent toward each
   * neighbour); at n + i a lower bound on when anything its pending events
   * cause can arrive at node i; at 2n + k the earliest time neighbour k may
   * send because of what `node` sent it (arrival plus declared reaction).
   * Called by the node's worker before `arriveRound`, for every node it hosts.
   */
  publishRow(node: number, row: ArrayLike<number>): void {
    const w = 3 * this.nodes;
    for (let k = 0; k < w; k++) this.#matrix[node * w + k] = row[k]!;
  }

  /** Returns `node`'s horizon of the round its worker was just released into (every event before it may run). */
  horizonOf(node: number): number {
    return this.#f64[node]!;
  }

  /**
   * The round barrier of deterministic mode. Worker `me` has published the
   * rows of its nodes (`publishRow`) and waits. The last active worker to
   * arrive computes for every node k its earliest pending event T_k (column
   * minimum) and for every node i its horizon H_i: the least bound any row
   * gives for arrivals at i, and min_k (S_k + distances[k * n + i]) where
   * S_k is the earliest time k may send because of what is in flight to
   * it; it folds every in-flight arrival into its destination's row, and
   * stamps active for the next round only the
   * workers with a node that has something before its horizon (an own
   * event or an arrival); the others stay asleep, their rows standing for
   * them. Returns true once this worker is active in a new round (its
   * nodes' horizons are then `horizonOf`), or `null` when no event is left
   * anywhere. While waiting, `whileWaiting`
   * runs each time the worker's doorbell rings (it drains its rings, so a
   * neighbour blocked on a full ring can finish). `perturb`, for tests
   * only, runs in the barrier's race windows (after a waiter arrives; while
   * the last arriver closes the round) to shake thread timing. Throws
   * RunAborted if the run is aborted meanwhile.
   */
  arriveRound(me: number, distances: Float64Array, whileWaiting: () => void, perturb?: () => void): true | null {
    // why: the generation we arrive in; it cannot change before we arrive (the last arriver bumps it).
    const generation = Atomics.load(this.#i32, RC_GENERATION);
    // EXPECTED was published with the generation we arrive in and cannot change until this round closes, which
    // cannot happen before we arrive. Read after the add, a round closed meanwhile by the real last arriver shows
    // the next round's count, and a party that equals it would close the round twice.
    // why: read before our arrival (see above).
    const expected = Atomics.load(this.#i32, RC_EXPECTED);
    // why: the seq-cst add orders our row stores before the last arriver's reads of the matrix.
    const arrived = Atomics.add(this.#i32, RC_ARRIVED, 1) + 1;
    // The race window of the old order (a round closing between our add and our read of EXPECTED), kept for jitter tests.
    perturb?.();
    if (arrived === expected) this.#closeRound(me, generation, arrived, distances, perturb);
    for (let spin = 0, spinChecks = this.#i32[RC_SPIN]!; spin < spinChecks; spin++) {
      // why: seq-cst load of the generation; seeing it bumped makes the round's outputs visible.
      if (Atomics.load(this.#i32, RC_GENERATION) !== generation) break;
    }
    for (;;) {
      const seen = this.doorbellValue(me);
      if (this.finished) return null;
      if (this.aborted) throw new RunAborted('run aborted');
      // why: the generation is read after the doorbell, so a bump after this read rings and wakes us.
      const now = Atomics.load(this.#i32, RC_GENERATION);
      // Our ACTIVE word names the generation we take part in next. It is
      // stored before that generation is published, so a waiter that sat out
      // round `now` may already see the stamp of round now + 1.
      // why: only a stamp equal to the published generation is a go.
      if (now !== generation && Atomics.load(this.#i32, this.#activeWord(me)) === now) return true;
      whileWaiting();
      this.sleep(me, seen, 1000);
    }
  }

  #activeWord(i: number): number {
    return RC_DOORBELL_BASE + i * CACHE_LINE_WORDS + RC_ACTIVE_OFFSET;
  }

  /**
   * Run by worker `me`, the last active arriver of round `generation`
   * (`arrived` is the count it saw): horizons, folding, next round's active
   * set, then publish. `distances` and `perturb` are those of `arriveRound`.
   */
  #closeRound(me: number, generation: number, arrived: number, distances: Float64Array, perturb: (() => void) | undefined): void {
    const n = this.nodes;
    // why: int32 wrap-around, as the word stores it.
    const next = (generation + 1) | 0;
    const m = this.#matrix;
    const w = 3 * n;
    const earliest = this.#earliest.fill(Number.POSITIVE_INFINITY);
    const inFlightSend = this.#inFlightSend.fill(Number.POSITIVE_INFINITY);
    const horizons = this.#f64.fill(Number.POSITIVE_INFINITY, 0, n);
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) {
        earliest[k] = Math.min(earliest[k]!, m[j * w + k]!);
        horizons[k] = Math.min(horizons[k]!, m[j * w + n + k]!);
        inFlightSend[k] = Math.min(inFlightSend[k]!, m[j * w + 2 * n + k]!);
      }
    }
    let pending = false;
    const busyWorker = this.#active.fill(0);
    for (let i = 0; i < n; i++) {
      let horizon = horizons[i]!;
      for (let k = 0; k < n; k++) horizon = Math.min(horizon, inFlightSend[k]! + distances[k * n + i]!);
      horizons[i] = horizon;
      // Fold: in-flight arrivals now count as the destination's own events; a
      // passive row must not keep stale arrivals of a round long gone. Its
      // bounds stay: they are its own events', unchanged while it sits out.
      m.fill(Number.POSITIVE_INFINITY, i * w, i * w + n);
      m[i * w + i] = earliest[i]!;
      m.fill(Number.POSITIVE_INFINITY, i * w + 2 * n, (i + 1) * w);
      m[i * w + 2 * n + i] = inFlightSend[i]!;
      if (earliest[i] !== Number.POSITIVE_INFINITY) pending = true;
      if (earliest[i]! < horizon) busyWorker[this.#workerOf[i]!] = 1;
    }
    if (!pending) {
      this.finish();
      return;
    }
    let active = 0;
    for (let w = 0; w < this.parties; w++) {
      if (busyWorker[w]) active++;
      // why: the stamp is published by the generation bump below; a passive worker gets -1, never a generation.
      Atomics.store(this.#i32, this.#activeWord(w), busyWorker[w] ? next : -1);
    }
    // why: every store of this close precedes the generation bump that publishes them.
    Atomics.store(this.#i32, RC_EXPECTED, active);
    // why: counted by the closer only, before the bump (read after the run).
    Atomics.add(this.#i32, RC_ROUNDS, 1);
    perturb?.();
    // The exchange also proves that nobody arrived in this round after it closed (a worker that ran without a go).
    // why: reset before the bump, so the next round's first arrival counts from 0.
    const late = Atomics.exchange(this.#i32, RC_ARRIVED, 0) - arrived;
    if (late !== 0) throw new InvariantViolation(`round barrier: ${late} arrival(s) after round ${generation} closed (a worker ran without being active)`);
    // why: bumping the generation publishes horizons, stamps and counts to every waiter.
    Atomics.store(this.#i32, RC_GENERATION, next);
    for (let w = 0; w < this.parties; w++) if (w !== me && this.#i32[this.#activeWord(w)] === next) this.ring(w);
  }

  /** Records node `i`'s simulated time for progress reporting. */
  setProgress(i: number, timePs: number): void {
    this.#f64[this.nodes + i] = timePs;
  }

  /** Returns every node's last reported simulated time. */
  progress(): number[] {
    return Array.from({ length: this.nodes }, (_, i) => this.#f64[this.nodes + i]!);
  }

  /** Records node `i`'s workload progress: `done` of `total` work units (plain stores: read only for display). */
  setWork(i: number, done: number, total: number): void {
    this.#f64[2 * this.nodes + 2 * i] = done;
    this.#f64[2 * this.nodes + 2 * i + 1] = total;
  }

  /** Returns the work done and in total over all nodes. */
  work(): { done: number; total: number } {
    let done = 0;
    let total = 0;
    for (let i = 0; i < this.nodes; i++) {
      done += this.#f64[2 * this.nodes + 2 * i]!;
      total += this.#f64[2 * this.nodes + 2 * i + 1]!;
    }
    return { done, total };
  }

  /** Free mode: `count` envelopes were published toward some worker. */
  addInFlight(count: number): void {
    // why: 64-bit counter holds idle workers and in-flight envelopes in one word, so one read sees both consistently.
    Atomics.add(this.#quiescence, 0, BigInt(count) * IN_FLIGHT_UNIT);
  }

  /** Free mode: `count` envelopes were taken out of a ring and queued. */
  removeInFlight(count: number): void {
    // why: one RMW on the combined word; done after queueing so the envelopes count as work until then.
    Atomics.sub(this.#quiescence, 0, BigInt(count) * IN_FLIGHT_UNIT);
  }

  /** Free mode: this worker has nothing to do; returns true when every worker is idle and nothing is in flight. */
  enterIdle(): boolean {
    // why: the RMW's result is the whole word at once: all idle and nothing in flight iff it equals parties.
    return Atomics.add(this.#quiescence, 0, IDLE_UNIT) + IDLE_UNIT === BigInt(this.parties);
  }

  /** Free mode: this worker got work again. Must be called before `removeInFlight` for that work. */
  leaveIdle(): void {
    // why: must precede removeInFlight for the same work (see enterIdle).
    Atomics.sub(this.#quiescence, 0, IDLE_UNIT);
  }

  /** Free mode: true when every worker is idle and nothing is in flight. */
  quiescent(): boolean {
    // why: one load of the combined word gives a consistent pair.
    return Atomics.load(this.#quiescence, 0) === BigInt(this.parties);
  }
}
