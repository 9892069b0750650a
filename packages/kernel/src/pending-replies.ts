/**
 * Requests of a node that wait for a reply carrying their transaction id
 * (DmaCopy → DmaCopyDone, PageRecall → PageRecallDone): the txn is taken
 * from the kernel, the continuation waits here until the reply of that
 * kind and txn arrives.
 */
import { CdmsimError, type NodeId } from '@cdmsim/engine';
import type { BodyKind, cdmsim, EnvelopeData } from '@cdmsim/proto';
import type { Body, NodeKernel } from './kernel.js';
import type { Port } from './message-ports.js';

/** The outstanding requests of one reply kind on one node. */
export class PendingReplies {
  readonly #kernel: NodeKernel;
  readonly #replyKind: BodyKind;
  readonly #waiting = new Map<number, (reply: cdmsim.Envelope | EnvelopeData) => void>();

  /** Registers `port`'s handler of `replyKind` on `kernel` (no other handler may take that kind; `port` must be its receiver). */
  constructor(kernel: NodeKernel, replyKind: BodyKind, port: Port) {
    this.#kernel = kernel;
    this.#replyKind = replyKind;
    kernel.on(replyKind, port, (env) => this.#reply(env));
  }

  /** Number of requests waiting for their reply. */
  get size(): number {
    return this.#waiting.size;
  }

  /** Sends `body` to `dst` under a new txn; `then` gets the reply envelope when it arrives. */
  send(dst: NodeId, body: Omit<Body, 'txn'>, then: (reply: cdmsim.Envelope | EnvelopeData) => void): void {
    const txn = this.#kernel.newTxn();
    this.#waiting.set(txn, then);
    this.#kernel.send(dst, body, txn);
  }

  #reply(env: cdmsim.Envelope | EnvelopeData): void {
    const txn = env.txn ?? 0;
    const then = this.#waiting.get(txn);
    if (!then) throw new CdmsimError(`node ${this.#kernel.spec.name}: ${this.#replyKind} from node ${env.src} for unknown txn ${txn}`);
    this.#waiting.delete(txn);
    then(env);
  }
}
