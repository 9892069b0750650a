/**
 * Data patterns of the shared-buffer workload, chosen so that every chunk of
 * the buffer can be checked on its own: the initial contents are a seeded
 * function of the byte offset, and every device write is a self-describing
 * chunk stamped with (device, write number). A torn, lost or misplaced write
 * cannot pass these checks.
 */
import { mix32, RunningHash } from '@cdmsim/engine';

/** First word of every written chunk: marker in the high half, device id in the low half. */
const TAG_MARKER = 0xc0de0000;

/** The initial word at byte `offset` + 4 * `word` of the buffer (`offset` 4-byte aligned). */
function initialWord(seed: number, offset: number, word: number): number {
  return mix32(seed ^ 0x5eed, (offset >>> 2) + word);
}

/** Word `word` (from 2 on) of the chunk device `device` writes as its `writeNo`-th write. */
function taggedWord(device: number, writeNo: number, word: number): number {
  return mix32((device << 20) ^ writeNo, word * 4);
}

/** Stores `value` little-endian at `dst[i..i+3]`. */
function putWord(dst: Uint8Array, i: number, value: number): void {
  dst[i] = value;
  dst[i + 1] = value >>> 8;
  dst[i + 2] = value >>> 16;
  dst[i + 3] = value >>> 24;
}

/** Returns the little-endian word at `bytes[i..i+3]`. */
function wordAt(bytes: Uint8Array, i: number): number {
  return (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
}

/** Fills `dst` with the initial contents of the buffer at byte `offset` (4-byte aligned); a tail of fewer than 4 bytes is left as it is. */
export function fillInitial(dst: Uint8Array, seed: number, offset: number): void {
  const words = dst.length >>> 2;
  for (let w = 0; w < words; w++) putWord(dst, 4 * w, initialWord(seed, offset, w));
}

/** Fills `dst` with the chunk device `device` writes as its `writeNo`-th write (at least 8 bytes; a tail of fewer than 4 bytes is left as it is). */
export function fillTagged(dst: Uint8Array, device: number, writeNo: number): void {
  putWord(dst, 0, (TAG_MARKER | device) >>> 0);
  putWord(dst, 4, writeNo >>> 0);
  const words = dst.length >>> 2;
  for (let w = 2; w < words; w++) putWord(dst, 4 * w, taggedWord(device, writeNo, w));
}

/** True when `bytes` holds what `fillInitial` writes into a zeroed array of its length. */
function isInitial(bytes: Uint8Array, seed: number, offset: number): boolean {
  const words = bytes.length >>> 2;
  for (let w = 0; w < words; w++) if (wordAt(bytes, 4 * w) !== initialWord(seed, offset, w)) return false;
  return zeroTail(bytes);
}

/** True when `bytes` holds what `fillTagged` writes into a zeroed array of its length. */
function isTagged(bytes: Uint8Array, device: number, writeNo: number): boolean {
  if (wordAt(bytes, 0) !== (TAG_MARKER | device) >>> 0 || wordAt(bytes, 4) !== writeNo >>> 0) return false;
  const words = bytes.length >>> 2;
  for (let w = 2; w < words; w++) if (wordAt(bytes, 4 * w) !== taggedWord(device, writeNo, w)) return false;
  return zeroTail(bytes);
}

/** True when the bytes after the last whole word are zero. */
function zeroTail(bytes: Uint8Array): boolean {
  for (let i = bytes.length & ~3; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** What a chunk holds: the initial pattern, a device's write, or garbage. */
export type ChunkIdentity = { kind: 'initial' } | { kind: 'write'; device: number; writeNo: number } | { kind: 'corrupt' };

/** Identifies the chunk `bytes` (at least 8 bytes) found at buffer `offset`. */
export function identifyChunk(bytes: Uint8Array, seed: number, offset: number): ChunkIdentity {
  const first = wordAt(bytes, 0);
  if ((first & 0xffff0000) >>> 0 === TAG_MARKER) {
    const device = first & 0xffff;
    const writeNo = wordAt(bytes, 4);
    if (isTagged(bytes, device, writeNo)) return { kind: 'write', device, writeNo };
  }
  return isInitial(bytes, seed, offset) ? { kind: 'initial' } : { kind: 'corrupt' };
}

/** Returns true when both arrays hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Digest of what a slice must hold: for each chunk, the last write the
 * device made there (`lastWrite.get(chunkIndex)`) or the initial pattern.
 */
export function expectedSliceDigest(
  seed: number,
  sliceStart: number,
  sliceBytes: number,
  chunkBytes: number,
  device: number,
  lastWrite: ReadonlyMap<number, number>,
): string {
  const hash = new RunningHash();
  const chunk = new Uint8Array(chunkBytes);
  for (let off = sliceStart; off < sliceStart + sliceBytes; off += chunkBytes) {
    const writeNo = lastWrite.get(off / chunkBytes);
    if (writeNo === undefined) fillInitial(chunk, seed, off);
    else fillTagged(chunk, device, writeNo);
    hash.addBytes(chunk);
  }
  return hash.hex();
}
