/**
 * Seeded randomness. Model code never calls Math.random(): every node gets a
 * stream derived from the run's seed and its node id, so a run replays
 * exactly from its seed.
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { mix32 } from './hash.js';

type Generator = ReturnType<typeof xoroshiro128plus>;

/** A seeded random stream (xoroshiro128+ from pure-rand), mutated in place. */
export class Rng {
  readonly #gen: Generator;

  /** Creates the stream for `seed`, split by `stream` (e.g. a node id). */
  constructor(seed: number, stream = 0) {
    this.#gen = xoroshiro128plus(mix32(seed >>> 0, stream >>> 0));
  }

  /** Returns an integer uniformly drawn from [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return uniformInt(this.#gen, min, max);
  }

  /** Returns a float uniformly drawn from [0, 1). */
  float(): number {
    return uniformFloat64(this.#gen);
  }

  /** Returns true with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }
}
