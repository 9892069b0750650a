/**
 * The byte a test device reports per page of a snapshot, in the encoding
 * of the kernel's dmirror (`HMM_DMIRROR_PROT_*` of lib/test_hmm_uapi.h,
 * computed as `dmirror_mkentry` does from an `hmm_range_fault` entry).
 */
import type { NodeId } from '@cdmsim/engine';
import { HmmPfn } from '@cdmsim/mm';
import type { MemoryRanges } from '../memory/memory-map.js';

/** The snapshot byte values (`HMM_DMIRROR_PROT_*`). */
export const DmirrorProt = {
  ERROR: 0xff,
  NONE: 0x00,
  READ: 0x01,
  WRITE: 0x02,
  ZERO: 0x10,
  DEV_PRIVATE_LOCAL: 0x20,
  DEV_PRIVATE_REMOTE: 0x30,
  DEV_COHERENT_LOCAL: 0x40,
  DEV_COHERENT_REMOTE: 0x50,
} as const;

/** What a device needs to know to encode an entry: the machine's memories, itself, and the zero page. */
export interface SnapshotContext {
  readonly memory: MemoryRanges;
  readonly self: NodeId;
  readonly zeroPfn: number;
}

/**
 * Returns the snapshot byte of one `hmm_range_fault` entry (`dmirror_mkentry`):
 * ERROR for an error entry, NONE for no valid entry, else READ or WRITE
 * plus where the page is — the zero page, a device-private page of this
 * device or another, a device-coherent (public, CDM) page of this device or
 * another; system RAM adds nothing.
 */
export function dmirrorSnapshotByte(flags: number, pfn: number, ctx: SnapshotContext): number {
  if (flags & HmmPfn.ERROR) return DmirrorProt.ERROR;
  if (!(flags & HmmPfn.VALID)) return DmirrorProt.NONE;
  const access = flags & HmmPfn.WRITE ? DmirrorProt.WRITE : DmirrorProt.READ;
  if (pfn === ctx.zeroPfn) return DmirrorProt.ZERO | access;
  const range = ctx.memory.of(pfn);
  const local = range?.home === ctx.self;
  if (range?.kind === 'private') return (local ? DmirrorProt.DEV_PRIVATE_LOCAL : DmirrorProt.DEV_PRIVATE_REMOTE) | access;
  if (range?.kind === 'public') return (local ? DmirrorProt.DEV_COHERENT_LOCAL : DmirrorProt.DEV_COHERENT_REMOTE) | access;
  return access;
}
