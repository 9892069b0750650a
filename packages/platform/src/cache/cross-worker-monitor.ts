/**
 * The coherence monitor for caches that live in different workers: SWMR
 * and data values checked through the shared `CoherenceWatch` (see its
 * comment for why wall-clock checks are sound for a correct protocol). A
 * violation is counted in the watch and thrown as `InvariantViolation`
 * naming the seed, which fails the node's worker and so the run.
 */
import { InvariantViolation, type NodeId, type Ps } from '@cdmsim/engine';
import { formatLine, type AccessPermission, type CoherenceChecks, type LineAddr } from '@cdmsim/coherence';
import type { CoherenceWatch, LineHolders, WatchPermission } from '@cdmsim/shm';
import type { Topology } from '@cdmsim/config';
import type { LineIndex } from './line-index.js';

/** Checks one node's permission changes, stores and loads against every other node's: the `CoherenceChecks` of a node's `NodeCoherence`. */
export class CrossWorkerMonitor implements CoherenceChecks {
  readonly #watch: CoherenceWatch;
  readonly #lines: LineIndex;
  readonly #seed: number;
  readonly #names: readonly string[];

  /** `watch` is the run's shared watch (one slot per line of `lines`); `seed` is quoted in violations. */
  constructor(watch: CoherenceWatch, lines: LineIndex, topology: Topology, seed: number) {
    this.#watch = watch;
    this.#lines = lines;
    this.#seed = seed;
    this.#names = topology.nodes.map((n) => n.name);
  }

  /** Records `node`'s new permission on `line`. @throws InvariantViolation when SWMR breaks. */
  setPermission(node: NodeId, line: LineAddr, permission: AccessPermission, atPs: Ps): void {
    const p: WatchPermission = permission === 'read' || permission === 'read-write' ? permission : 'none';
    const conflict = this.#watch.setPermission(this.#lines.indexOf(line), node, p);
    if (conflict) this.#fail(`SWMR violated on line ${formatLine(line)} at ${atPs} ps when ${this.#names[node]} gained ${p} permission: ${this.#describe(conflict.holders)}`);
  }

  /** Records a store performing. @throws InvariantViolation when `node` lacks write permission. */
  onStore(node: NodeId, line: LineAddr, value: number, atPs: Ps): void {
    const i = this.#lines.indexOf(line);
    const missing = this.#watch.checkHolds(i, node, 'read-write');
    if (missing) this.#fail(`${this.#names[node]} performed a store on line ${formatLine(line)} at ${atPs} ps without write permission (${this.#describe(missing.holders)})`);
    this.#watch.recordStore(i, value);
  }

  /** Checks a load performing. @throws InvariantViolation when it lacks permission or misses the last store. */
  onLoad(node: NodeId, line: LineAddr, value: number, atPs: Ps): void {
    const i = this.#lines.indexOf(line);
    const missing = this.#watch.checkHolds(i, node, 'read');
    if (missing) this.#fail(`${this.#names[node]} performed a load on line ${formatLine(line)} at ${atPs} ps without read permission (${this.#describe(missing.holders)})`);
    const stale = this.#watch.checkLoad(i, value);
    if (stale) this.#fail(`data-value violated: ${this.#names[node]} loaded ${value} from line ${formatLine(line)} at ${atPs} ps; the last store wrote ${stale.expected}`);
  }

  /** Checks memory after a recall of `line`: it must hold the last stored value. @throws InvariantViolation otherwise. */
  checkMemory(line: LineAddr, memoryValue: number): void {
    const expected = this.#watch.lastValue(this.#lines.indexOf(line));
    if (memoryValue !== expected) this.#fail(`recall of line ${formatLine(line)} left ${memoryValue} in memory; the last store wrote ${expected}`);
  }

  /**
   * A line enters the protocol (its home's directory had no entry): memory's
   * value then starts its coherence order. Between a frame's free and its
   * reuse the frame is written outside the protocol (DMA copy, zeroing)
   * while no cache holds its lines, so that value, not the last store of
   * the frame's previous use, is what the next load must return.
   */
  trackLine(line: LineAddr, memoryValue: number): void {
    this.#watch.recordStore(this.#lines.indexOf(line), memoryValue);
  }

  #describe(h: LineHolders): string {
    const writer = h.writer === undefined ? 'no writer' : `writer ${this.#names[h.writer]}`;
    return `${writer}, readers [${h.readers.map((r) => this.#names[r]).join(', ')}]`;
  }

  #fail(message: string): never {
    this.#watch.recordViolation();
    throw new InvariantViolation(message, this.#seed);
  }
}
