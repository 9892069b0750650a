/**
 * Requests from other nodes that only the holder of a CPU node's mmap lock
 * may serve (driver evictions, migrate-on-fault requests): kept in arrival
 * order, the holder told of each arrival and taking them oldest first when
 * no operation of the node is running.
 */
import { CdmsimError, type NodeId } from '@cdmsim/engine';

/** One kind of request waiting for the mmap-lock holder of one node. */
export class LockHolderQueue<T> {
  readonly #items: T[] = [];
  readonly #node: string;
  readonly #what: string;
  readonly #setter: string;
  #onQueued: (() => void) | undefined;

  /** `node` names the CPU node, `what` the request (`an eviction request`), `setter` the method that sets the holder (for the message). */
  constructor(node: string, what: string, setter: string) {
    this.#node = node;
    this.#what = what;
    this.#setter = setter;
  }

  /** Sets the holder: `queued` is called each time a request arrives. */
  onQueued(queued: () => void): void {
    this.#onQueued = queued;
  }

  /**
   * Queues `request` from node `from` and tells the holder.
   * @throws CdmsimError when no holder was set (nobody would ever serve it).
   */
  push(request: T, from: NodeId): void {
    const queued = this.#onQueued;
    if (!queued) throw new CdmsimError(`node ${this.#node}: ${this.#what} from node ${from} and no holder of the mmap lock to serve it (${this.#setter})`);
    this.#items.push(request);
    queued();
  }

  /** Returns the oldest request not yet taken, or undefined. */
  take(): T | undefined {
    return this.#items.shift();
  }

  /** Requests waiting to be taken. */
  get size(): number {
    return this.#items.length;
  }
}
