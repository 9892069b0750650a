/**
 * One node's thread of a litmus test on the real simulator: seeded warm-up
 * loads (so runs start from a mix of I, S, E and O), then, after a seeded
 * start delay, the thread's instructions one at a time with seeded think
 * times. Registers are kept for the run's outcome; checks happen in the
 * cross-worker monitor and, at the end, against the test's forbidden outcomes.
 */
import { ConfigError, InvariantViolation, type Ps } from '@cdmsim/engine';
import type { LitmusWorkloadSpec } from './config.js';
import type { LineAddr, LitmusInstr } from '@cdmsim/coherence';
import type { NodeKernel } from '@cdmsim/kernel';
import type { CoherentNode } from '@cdmsim/platform';

/** Chance that a node warms its cache with a load of each location before its thread starts. */
const WARM_UP_LOAD_CHANCE = 0.4;

/** A litmus setup this machine cannot run (too few nodes, or a location a thread's node may not cache). */
export class LitmusSetupError extends ConfigError {
  override readonly name = 'LitmusSetupError';
}

/** What one node's litmus thread did (plain data). */
export interface LitmusAgentStats {
  /** Registers this node's thread loaded (empty on a node without a thread). */
  readonly regs: Record<string, number>;
  warmUpLoads: number;
  instructions: number;
  /** Simulated time the thread finished. */
  finishedPs: Ps;
}

/** Runs one litmus thread (or only warm-up loads, on a node without one). */
export class LitmusAgent {
  readonly stats: LitmusAgentStats = { regs: {}, warmUpLoads: 0, instructions: 0, finishedPs: 0 };
  readonly #kernel: NodeKernel;
  readonly #node: CoherentNode;
  readonly #spec: LitmusWorkloadSpec;
  readonly #program: readonly LitmusInstr[];
  readonly #addrOf: (loc: string) => LineAddr;
  readonly #warmUp: LineAddr[];
  #done = false;

  /** `program` is this node's thread (empty for none); `locations` the test's lines, in location order. */
  constructor(kernel: NodeKernel, node: CoherentNode, spec: LitmusWorkloadSpec, program: readonly LitmusInstr[], locations: ReadonlyMap<string, LineAddr>) {
    this.#kernel = kernel;
    this.#node = node;
    this.#spec = spec;
    this.#program = program;
    this.#addrOf = (loc) => locations.get(loc)!;
    this.#warmUp = [...locations.values()].filter((l) => !node.refuses(l) && kernel.rng.chance(WARM_UP_LOAD_CHANCE));
    for (const instr of program) {
      if (instr.op !== 'fence' && node.refuses(this.#addrOf(instr.loc))) {
        throw new LitmusSetupError(`litmus: ${kernel.spec.name} runs a thread on location ${instr.loc}, homed in device-private memory it may not cache`);
      }
    }
    kernel.reportWork(0, this.#total());
  }

  /** Starts the warm-up loads, then the thread. */
  begin(): void {
    this.#warmUpThen(0);
  }

  /**
   * Checks, once the run is over, that the thread completed.
   * @throws InvariantViolation naming the seed when it did not (deadlock or a lost message).
   */
  checkFinished(): void {
    if (!this.#done) {
      throw new InvariantViolation(`litmus: ${this.#kernel.spec.name} completed ${this.stats.instructions} of ${this.#program.length} instructions when the run ended: deadlock or lost message`, this.#kernel.seed);
    }
  }

  #total(): number {
    return this.#warmUp.length + this.#program.length;
  }

  #progress(): void {
    this.#kernel.reportWork(this.stats.warmUpLoads + this.stats.instructions, this.#total());
  }

  #warmUpThen(i: number): void {
    const line = this.#warmUp[i];
    if (line === undefined) {
      this.#kernel.after(this.#kernel.rng.int(0, this.#spec.maxStartPs), 'litmus start', () => this.#step(0));
      return;
    }
    this.#node.load(line, () => {
      this.stats.warmUpLoads++;
      this.#progress();
      this.#warmUpThen(i + 1);
    });
  }

  #step(pc: number): void {
    const instr = this.#program[pc];
    if (!instr) {
      this.#done = true;
      this.stats.finishedPs = this.#kernel.nowPs;
      return;
    }
    const next = (): void => {
      this.stats.instructions++;
      this.#progress();
      this.#kernel.after(this.#kernel.rng.int(0, this.#spec.maxThinkPs), 'litmus think', () => this.#step(pc + 1));
    };
    // One operation in flight per node and each completes before the next issues, so a fence has nothing to wait for.
    if (instr.op === 'fence') next();
    else if (instr.op === 'st') this.#node.store(this.#addrOf(instr.loc), instr.value, next);
    else {
      this.#node.load(this.#addrOf(instr.loc), (v) => {
        this.stats.regs[instr.reg] = v;
        next();
      });
    }
  }
}
