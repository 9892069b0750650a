/**
 * How many bytes each message kind puts on a link besides the link's own
 * per-packet header: a fixed command part plus what it carries (line data,
 * pfn lists). A table, so a change is a reviewable one-line diff.
 */
import { bodyKindOf, type BodyKind, type EnvelopeData } from '@cdmsim/proto';

/** Fixed command bytes per body kind (address, opcode, ids), as a bus would pack them. */
export const COMMAND_BYTES: Readonly<Record<BodyKind, number>> = {
  memReq: 16, // opcode, tag, 8-byte physical address, size
  memResp: 16, // opcode, tag, status, address echo
  rangeFault: 24, // pid, vaddr, npages, flags
  rangeFaultReply: 24, // pid, vaddr, notifier seq, error (+ 8 bytes per pfn)
  rangeInvalidate: 32, // pid, start, end, event, owner, seq
  rangeInvalidateAck: 16, // pid, seq
  migrate: 24, // pid, vaddr, npages, target memory (+ 8 bytes per evicted pfn)
  migrateDone: 24, // pid, vaddr, counts
  dmaCopy: 16, // descriptor (+ 16 bytes per page pair + the page data it carries)
  dmaCopyDone: 8, // status (+ 8 bytes per allocated pfn + the page data it carries)
  pageFree: 16,
  control: 48, // workload control block
  coh: 0, // a coherence message's own sizeBytes already counts its command and data bytes
  pageRecall: 8, // descriptor (+ 8 bytes per pfn)
  pageRecallDone: 8, // status, lines recalled
  migrateToDevice: 24, // pid, vaddr, npages
  migrateToDeviceDone: 24, // pid, vaddr, counts, error
  migrateToSystem: 24, // pid, vaddr, npages
  migrateToSystemDone: 24, // pid, vaddr, counts, error
};

/**
 * Returns the bytes `env` occupies on a link, excluding the link header.
 * `kind` is `env`'s body kind when the caller already knows it (the kernel
 * does); otherwise it is found here. @throws Error when `env` has no body.
 */
export function payloadBytes(env: EnvelopeData, kind: BodyKind = bodyKindOf(env)): number {
  switch (kind) {
    case 'memReq':
      return COMMAND_BYTES.memReq + (env.memReq?.data?.length ?? 0);
    case 'memResp':
      return COMMAND_BYTES.memResp + (env.memResp?.data?.length ?? 0);
    case 'rangeFaultReply':
      return COMMAND_BYTES.rangeFaultReply + 8 * (env.rangeFaultReply?.pfns?.length ?? 0);
    case 'dmaCopy':
      return COMMAND_BYTES.dmaCopy + 16 * (env.dmaCopy?.srcPfns?.length ?? 0) + (env.dmaCopy?.dataBytes ?? 0);
    case 'migrate':
      return COMMAND_BYTES.migrate + 8 * (env.migrate?.pfns?.length ?? 0);
    case 'dmaCopyDone':
      return COMMAND_BYTES.dmaCopyDone + 8 * (env.dmaCopyDone?.dstPfns?.length ?? 0) + (env.dmaCopyDone?.dataBytes ?? 0);
    case 'pageRecall':
      return COMMAND_BYTES.pageRecall + 8 * (env.pageRecall?.pfns?.length ?? 0);
    case 'coh':
      return COMMAND_BYTES.coh + (env.coh?.sizeBytes ?? 0);
    default:
      return COMMAND_BYTES[kind];
  }
}
