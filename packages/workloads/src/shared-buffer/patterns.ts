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

/** Fills `dst` with the initial contents of the buffer at byte `offset` (4-byte aligned). */
export function fillInitial(dst: Uint8Array, seed: number, offset: number): void {
  const words = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  for (let i = 0; i + 4 <= dst.length; i += 4) words.setUint32(i, mix32(seed ^ 0x5eed, (offset + i) >>> 2), true);
}

/** Fills `dst` with the chunk device `device` writes as its `writeNo`-th write. */
export function fillTagged(dst: Uint8Array, device: number, writeNo: number): void {
  const words = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  words.setUint32(0, (TAG_MARKER | device) >>> 0, true);
  words.setUint32(4, writeNo >>> 0, true);
  for (let i = 8; i + 4 <= dst.length; i += 4) words.setUint32(i, mix32((device << 20) ^ writeNo, i), true);
}

/** What a chunk holds: the initial pattern, a device's write, or garbage. */
export type ChunkIdentity = { kind: 'initial' } | { kind: 'write'; device: number; writeNo: number } | { kind: 'corrupt' };

/** Identifies the chunk `bytes` found at buffer `offset`. */
export function identifyChunk(bytes: Uint8Array, seed: number, offset: number): ChunkIdentity {
  const expect = new Uint8Array(bytes.length);
  const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = words.getUint32(0, true);
  if ((first & 0xffff0000) >>> 0 === TAG_MARKER) {
    const device = first & 0xffff;
    const writeNo = words.getUint32(4, true);
    fillTagged(expect, device, writeNo);
    if (equalBytes(expect, bytes)) return { kind: 'write', device, writeNo };
  }
  fillInitial(expect, seed, offset);
  return equalBytes(expect, bytes) ? { kind: 'initial' } : { kind: 'corrupt' };
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
