/**
 * Typings for growable SharedArrayBuffers (ES2024), which Node 20 supports
 * but the project's ES2023 lib does not declare.
 */

/** A SharedArrayBuffer created with `maxByteLength`. */
export interface GrowableSharedArrayBuffer extends SharedArrayBuffer {
  /** Grows to `newByteLength`; throws RangeError if smaller than the current length or above the maximum. */
  grow(newByteLength: number): void;
  /** The maximum length given at creation. */
  readonly maxByteLength: number;
}

type GrowableCtor = new (byteLength: number, options: { maxByteLength: number }) => GrowableSharedArrayBuffer;

/** Returns a new growable SharedArrayBuffer of `byteLength` bytes that can grow to `maxByteLength` (address space is reserved, not committed). */
export function createGrowableSab(byteLength: number, maxByteLength: number): GrowableSharedArrayBuffer {
  return new (SharedArrayBuffer as unknown as GrowableCtor)(byteLength, { maxByteLength });
}
