/**
 * The bus protocol as data: which port of a node receives each body kind
 * (after Akita's protocol declarations). A kind is received by exactly one
 * port; `NodeKernel.on` refuses a handler registered for any other port, so
 * a component cannot quietly take a message another one owns. A kind may
 * declare how long its receiver takes at least before anything it causes
 * leaves the node (`reactsAfter`): the kernel forbids its handler to send
 * or to schedule earlier, and the deterministic engine adds the delay to
 * its lookahead (a home agent cannot answer before its memory's latency).
 * A change of the protocol is a one-line, reviewable diff here (rendered by
 * `renderMessagePorts`).
 */
import type { Ps } from '@cdmsim/engine';
import type { NodeSpec } from '@cdmsim/config';
import { BODY_KINDS, type BodyKind } from '@cdmsim/proto';

/** The minimum delays a receiver may declare, each read from the receiving node's spec. */
const REACTION_DELAYS = {
  /** The node's memory latency: every answer of its home agent waits for the memory. */
  'memory latency': (spec: NodeSpec): Ps => spec.memory.latencyPs,
} as const satisfies Record<string, (spec: NodeSpec) => Ps>;

/** The port that receives each body kind, with what it does with it. */
export const MESSAGE_PORTS = {
  memReq: { port: 'home-agent', serves: 'an uncached read or write of its memory', reactsAfter: 'memory latency' },
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
} as const satisfies Record<BodyKind, { readonly port: string; readonly serves: string; readonly reactsAfter?: keyof typeof REACTION_DELAYS }>;

/** A port of a node: the component that receives some body kinds. */
export type Port = (typeof MESSAGE_PORTS)[BodyKind]['port'];

/** Returns the port that receives `kind`. */
export function receiverOf(kind: BodyKind): Port {
  return MESSAGE_PORTS[kind].port;
}

const reactionOf = (kind: BodyKind): keyof typeof REACTION_DELAYS | undefined => (MESSAGE_PORTS[kind] as { reactsAfter?: keyof typeof REACTION_DELAYS }).reactsAfter;

/**
 * Returns, for each body kind in `BODY_KINDS` order, the least time a node
 * with `spec` takes between receiving an envelope of that kind addressed
 * to it and sending anything because of it (0 when the kind declares none).
 */
export function reactionDelaysPs(spec: NodeSpec): Float64Array {
  return Float64Array.from(BODY_KINDS, (k) => {
    const reaction = reactionOf(k);
    return reaction === undefined ? 0 : REACTION_DELAYS[reaction](spec);
  });
}

/** Renders the protocol as a Markdown table (body kind, receiving port, what it serves, least reaction), in body-kind order. */
export function renderMessagePorts(): string {
  const rows = BODY_KINDS.map((k) => `| \`${k}\` | ${MESSAGE_PORTS[k].port} | ${MESSAGE_PORTS[k].serves} | ${reactionOf(k) ?? '—'} |`);
  return ['# Bus messages and the ports that receive them', '', 'Generated from `packages/kernel/src/message-ports.ts` (`npm run docs`).', '', 'A receiver that declares a least reaction never sends nor schedules anything earlier than that after the envelope arrives (the kernel enforces it); the deterministic engine adds it to its lookahead.', '', '| body | received by | what for | least reaction |', '|---|---|---|---|', ...rows, ''].join('\n');
}
