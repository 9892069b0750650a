/**
 * The bus protocol as data: which port of a node receives each body kind
 * (after Akita's protocol declarations). A kind is received by exactly one
 * port; `NodeKernel.on` refuses a handler registered for any other port, so
 * a component cannot quietly take a message another one owns. A change of
 * the protocol is a one-line, reviewable diff here (rendered by
 * `renderMessagePorts`).
 */
import { BODY_KINDS, type BodyKind } from '@cdmsim/proto';

/** The port that receives each body kind, with what it does with it. */
export const MESSAGE_PORTS = {
  memReq: { port: 'home-agent', serves: 'an uncached read or write of its memory' },
  memResp: { port: 'mem-client', serves: 'the home agent\'s answer to an uncached access (a device\'s through its mirror, a CPU\'s user access to another node\'s memory)' },
  rangeFault: { port: 'host', serves: 'a device\'s hmm_range_fault of a process range' },
  rangeFaultReply: { port: 'device-mmu', serves: 'the snapshot that fills the device\'s mirror' },
  rangeInvalidate: { port: 'device-mmu', serves: 'an mmu-notifier invalidation of a mirrored range' },
  rangeInvalidateAck: { port: 'host', serves: 'the device\'s acknowledgement of an invalidation' },
  migrate: { port: 'host', serves: 'a driver\'s request to migrate its pages back to RAM (eviction)' },
  migrateDone: { port: 'driver', serves: 'the host\'s answer to an eviction request' },
  dmaCopy: { port: 'driver', serves: 'a migration\'s copy (alloc_and_copy, or a copy back to RAM)' },
  dmaCopyDone: { port: 'host', serves: 'the end of a migration\'s copy' },
  pageFree: { port: 'driver', serves: 'page_free: a device page went idle on a CPU node' },
  control: { port: 'workload', serves: 'a workload\'s start / done message between its roles' },
  coh: { port: 'cache', serves: 'a coherence message for the node\'s cache or directory' },
  pageRecall: { port: 'page-coherence', serves: 'a request to recall the cached lines of pages homed here before a DMA' },
  pageRecallDone: { port: 'page-coherence', serves: 'the end of a page recall' },
  migrateToDevice: { port: 'host', serves: 'a driver\'s request to migrate a range that faulted on its device into its memory (migrate on device fault)' },
  migrateToDeviceDone: { port: 'device-migrations', serves: 'the host\'s answer to a driver\'s request to migrate a range into its memory' },
  migrateToSystem: { port: 'host', serves: 'a driver\'s request to migrate its pages of a range back to RAM (the test device\'s migrate-to-system)' },
  migrateToSystemDone: { port: 'device-migrations', serves: 'the host\'s answer to a migrate-to-system request' },
} as const satisfies Record<BodyKind, { readonly port: string; readonly serves: string }>;

/** A port of a node: the component that receives some body kinds. */
export type Port = (typeof MESSAGE_PORTS)[BodyKind]['port'];

/** Returns the port that receives `kind`. */
export function receiverOf(kind: BodyKind): Port {
  return MESSAGE_PORTS[kind].port;
}

/** Renders the protocol as a Markdown table (body kind, receiving port, what it serves), in body-kind order. */
export function renderMessagePorts(): string {
  const rows = BODY_KINDS.map((k) => `| \`${k}\` | ${MESSAGE_PORTS[k].port} | ${MESSAGE_PORTS[k].serves} |`);
  return ['# Bus messages and the ports that receive them', '', 'Generated from `packages/kernel/src/message-ports.ts` (`npm run docs`).', '', '| body | received by | what for |', '|---|---|---|', ...rows, ''].join('\n');
}
