/**
 * Small non-cryptographic hashing used for seeded tie-breaking and for the
 * event-log hash that proves two deterministic runs processed the same
 * events in the same order.
 */

/** Mixes two 32-bit values into one well-spread unsigned 32-bit value (murmur3 finaliser). */
export function mix32(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A running 64-bit hash (two 32-bit lanes) of a sequence of integers. Order
 * sensitive: the same values in another order give another digest.
 */
export class RunningHash {
  #hi = 0x6a09e667;
  #lo = 0xbb67ae85;
  #count = 0;

  /** Folds one integer (any JS number; non-integers are truncated toward zero per 32-bit lane). */
  add(value: number): this {
    const lo = value >>> 0;
    const hi = Math.floor(value / 0x1_0000_0000) >>> 0;
    this.#lo = mix32(this.#lo ^ lo, this.#hi);
    this.#hi = mix32(this.#hi ^ hi, this.#lo + 0x9e3779b9);
    this.#count++;
    return this;
  }

  /**
   * Folds every byte of `bytes` (4 at a time, little-endian words, then the
   * tail and the length): the same digest as `add` of each word, with the
   * lanes kept in locals (a 16 MiB buffer hashes several times faster).
   */
  addBytes(bytes: Uint8Array): this {
    let hi = this.#hi;
    let lo = this.#lo;
    const words = bytes.length >>> 2;
    let i = 0;
    for (let w = 0; w < words; w++, i += 4) {
      const word = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
      // add(word): a 32-bit value has no high lane.
      lo = mix32(lo ^ word, hi);
      hi = mix32(hi, lo + 0x9e3779b9);
    }
    this.#hi = hi;
    this.#lo = lo;
    this.#count += words;
    let tail = 0;
    for (let s = 0; i < bytes.length; i++, s += 8) tail |= bytes[i]! << s;
    return this.add(tail >>> 0).add(bytes.length);
  }

  /** Number of values folded so far. */
  get count(): number {
    return this.#count;
  }

  /** Returns the digest as 16 hex digits. */
  hex(): string {
    return this.#hi.toString(16).padStart(8, '0') + this.#lo.toString(16).padStart(8, '0');
  }
}

/** Returns the hex digest of a list of hex digests, in the given order. */
export function combineHex(digests: readonly string[]): string {
  const h = new RunningHash();
  for (const d of digests) {
    for (let i = 0; i < d.length; i += 8) h.add(parseInt(d.slice(i, i + 8), 16));
  }
  return h.hex();
}
