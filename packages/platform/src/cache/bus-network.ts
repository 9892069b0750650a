/**
 * The coherence `Network` over the real bus: each message becomes a `coh`
 * envelope sent with `kernel.send` (routed hop by hop, charged on every
 * link). The protocol needs FIFO order per (source, destination) endpoint
 * pair. The bus keeps it between nodes (per-direction FIFO links, fixed
 * routes) for envelopes sent in order; this class sends them in order: a
 * message whose effect delay would let it overtake an earlier one on its
 * pair waits for it, and every timer of a pair sends the pair's oldest
 * message, whichever timer runs first. A message between the cache and the
 * directory of the same node does not go through the kernel's queue (where
 * equal times are ordered by a seeded tie, which would break FIFO): the
 * pair's timer hands it to `deliverLocal` directly.
 */
import type { Ps } from '@cdmsim/engine';
import { pairKey, type CoherenceMsg, type MsgType, type Network } from '@cdmsim/coherence';
import type { NodeKernel } from '@cdmsim/kernel';
import { toProto } from './coh-codec.js';

interface Queued {
  readonly msg: CoherenceMsg;
  readonly duePs: Ps;
}

/** A `Network` that sends through this node's kernel. */
export class BusNetwork implements Network {
  readonly #kernel: NodeKernel;
  readonly #pairs = new Map<number, { lastDuePs: Ps; queue: Queued[] }>();
  /** Messages sent, by type. */
  readonly sentByType: Partial<Record<MsgType, number>> = {};
  /** Payload bytes sent (excluding link headers). */
  payloadBytes = 0;

  readonly #deliverLocal: (msg: CoherenceMsg) => void;

  /** `deliverLocal` receives messages between two controllers of this node, in order. */
  constructor(kernel: NodeKernel, deliverLocal: (msg: CoherenceMsg) => void) {
    this.#kernel = kernel;
    this.#deliverLocal = deliverLocal;
  }

  /** Sends `msg` at `atPs` (≥ now) or later, never before an earlier message of its pair. */
  send(msg: CoherenceMsg, atPs: Ps): void {
    const key = pairKey(msg.src, msg.dst);
    let pair = this.#pairs.get(key);
    if (!pair) this.#pairs.set(key, (pair = { lastDuePs: -1, queue: [] }));
    const duePs = Math.max(atPs, this.#kernel.nowPs, pair.lastDuePs);
    pair.lastDuePs = duePs;
    pair.queue.push({ msg, duePs });
    const p = pair;
    this.#kernel.at(duePs, 'coh send', () => this.#sendOldest(p.queue));
  }

  /** Sends the oldest message of a pair (due: due times grow by pair and one timer exists per message). */
  #sendOldest(queue: Queued[]): void {
    const { msg } = queue.shift()!;
    this.sentByType[msg.type] = (this.sentByType[msg.type] ?? 0) + 1;
    this.payloadBytes += msg.sizeBytes;
    if (msg.dst.node === this.#kernel.self) this.#deliverLocal(msg);
    else this.#kernel.send(msg.dst.node, { coh: toProto(msg) });
  }
}
