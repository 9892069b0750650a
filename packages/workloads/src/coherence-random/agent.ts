/**
 * The coherence-random workload on one node (after gem5's Ruby random
 * tester): the node's cache issues `opsPerNode` random loads and stores of
 * distinct values on the shared tested lines, one at a time with a seeded
 * think time, and, as home of some lines, randomly recalls one of them (the
 * page-flush path). Checks happen in the cross-worker monitor; this class
 * counts and, at the end of the run, reports operations that never finished.
 */
import { InvariantViolation, type Ps } from '@cdmsim/engine';
import type { CoherenceRandomWorkloadSpec } from './config.js';
import type { LineAddr } from '@cdmsim/coherence';
import type { NodeKernel } from '@cdmsim/kernel';
import type { CoherentNode } from '@cdmsim/platform';
import type { TestedLines } from '../shared/tested-lines.js';

/** What one node's agent did (plain data). */
export interface CoherenceAgentStats {
  issued: number;
  loads: number;
  stores: number;
  /** Operations refused: a CPU addressing device-private memory. */
  refused: number;
  flushes: number;
  /** Simulated time of the last completed operation. */
  finishedPs: Ps;
}

/** One node's random tester agent. */
export class CoherenceRandomAgent {
  readonly stats: CoherenceAgentStats = { issued: 0, loads: 0, stores: 0, refused: 0, flushes: 0, finishedPs: 0 };
  readonly #kernel: NodeKernel;
  readonly #node: CoherentNode;
  readonly #spec: CoherenceRandomWorkloadSpec;
  readonly #lines: readonly LineAddr[];
  readonly #homeLines: readonly LineAddr[];
  #inFlight = false;
  #flushing = false;

  constructor(kernel: NodeKernel, node: CoherentNode, lines: TestedLines, spec: CoherenceRandomWorkloadSpec) {
    this.#kernel = kernel;
    this.#node = node;
    this.#spec = spec;
    this.#lines = lines.addrs;
    this.#homeLines = lines.addrs.filter((l) => lines.homeOf(l) === kernel.self);
    kernel.reportWork(0, spec.opsPerNode);
  }

  /** Schedules the first operation after a seeded think time. */
  begin(): void {
    this.#thinkThenStep();
  }

  /**
   * Checks, once the run is over, that every operation completed.
   * @throws InvariantViolation naming the seed when some never did (deadlock or a lost message).
   */
  checkFinished(): void {
    const done = this.stats.loads + this.stats.stores + this.stats.refused;
    if (done !== this.#spec.opsPerNode || this.#inFlight || this.#flushing) {
      throw new InvariantViolation(
        `coherence-random: ${this.#kernel.spec.name} completed ${done} of ${this.#spec.opsPerNode} operations${this.#inFlight ? ' (one still in flight)' : ''}${this.#flushing ? ' (a recall never completed)' : ''} when the run ended: deadlock or lost message`,
        this.#kernel.seed,
      );
    }
  }

  #thinkThenStep(): void {
    this.#kernel.after(this.#kernel.rng.int(0, this.#spec.maxThinkPs), 'coh op', () => this.#step());
  }

  #step(): void {
    const s = this.stats;
    if (s.issued >= this.#spec.opsPerNode) return;
    s.issued++;
    const rng = this.#kernel.rng;
    if (!this.#flushing && this.#homeLines.length > 0 && rng.chance(this.#spec.flushesPer100Ops / 100)) {
      this.#flushing = true;
      s.flushes++;
      this.#node.recall(this.#homeLines[rng.int(0, this.#homeLines.length - 1)]!, () => (this.#flushing = false));
    }
    const line = this.#lines[rng.int(0, this.#lines.length - 1)]!;
    const done = (): void => {
      this.#inFlight = false;
      s.finishedPs = this.#kernel.nowPs;
      this.#kernel.reportWork(s.issued, this.#spec.opsPerNode);
      this.#thinkThenStep();
    };
    this.#inFlight = true;
    const isStore = rng.chance(this.#spec.storeFraction);
    // Distinct values across the machine: the k-th store of node i writes k·N + i + 1.
    const refused = isStore ? this.#node.store(line, s.stores * this.#kernel.topology.nodes.length + this.#kernel.self + 1, () => { s.stores++; done(); }) : this.#node.load(line, () => { s.loads++; done(); });
    if (refused) {
      s.refused++;
      done();
    }
  }
}
