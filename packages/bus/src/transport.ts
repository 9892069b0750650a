/**
 * The transport of one worker: protobuf `Batch`es through single-producer
 * single-consumer SharedArrayBuffer rings, one ring per direction of each
 * topology link (messages only ever travel to a neighbour). Envelopes posted
 * during a step are buffered per neighbour and written as ONE batch record
 * at `flush()`, followed by one publish and one doorbell ring per neighbour:
 * never one postMessage, one encode or one notify per simulated message.
 */
import { CdmsimError, type NodeId } from '@cdmsim/engine';
import { decodeBatch, encodeBatch, type cdmsim, type EnvelopeData } from '@cdmsim/proto';

/** The producer end of a ring, as the transport needs it. */
export interface RingWriter {
  /** Appends one record; false when the ring has no room (nothing written). */
  tryWrite(bytes: Uint8Array): boolean;
  /** Makes every record written since the last publish visible to the consumer. */
  publish(): void;
  /** Largest record the ring can ever hold. */
  readonly maxRecordBytes: number;
}

/** The consumer end of a ring. */
export interface RingReader {
  /** Calls `cb` for each available record (the view is valid only during the call); returns the count. */
  drain(cb: (bytes: Uint8Array) => void): number;
}

/** Wakes a sleeping worker. */
export interface Waker {
  ring(): void;
}

/** One outgoing neighbour: its ring and its worker's doorbell. */
export interface OutPort {
  readonly to: NodeId;
  readonly ring: RingWriter;
  readonly doorbell: Waker;
}

/** Transport counters (plain data). */
export interface TransportStats {
  envelopesSent: number;
  envelopesReceived: number;
  batchesSent: number;
  batchesReceived: number;
  encodedBytes: number;
  /** Times a flush found a ring full and kept envelopes for later. */
  backPressureEvents: number;
}

/** Options of a Transport. */
export interface TransportOptions {
  /**
   * Ring a neighbour's doorbell whenever something is published to it
   * (default true). A deterministic-mode worker drains its rings at every
   * window barrier anyway, so waking it for each publish only adds context
   * switches; it then sets this to false and calls `wakeBlocked()` when a
   * full ring needs the neighbour to drain.
   */
  readonly wakeOnPublish?: boolean;
}

/** Batching transport of one worker. */
export class Transport {
  readonly #out = new Map<number, { port: OutPort; pending: EnvelopeData[] }>();
  readonly #in: readonly RingReader[];
  readonly #wakeOnPublish: boolean;
  readonly stats: TransportStats = {
    envelopesSent: 0,
    envelopesReceived: 0,
    batchesSent: 0,
    batchesReceived: 0,
    encodedBytes: 0,
    backPressureEvents: 0,
  };

  /** `out`: one port per neighbour; `incoming`: the rings neighbours write to us. */
  constructor(out: readonly OutPort[], incoming: readonly RingReader[], options: TransportOptions = {}) {
    for (const port of out) this.#out.set(port.to, { port, pending: [] });
    this.#in = incoming;
    this.#wakeOnPublish = options.wakeOnPublish ?? true;
  }

  /** Queues `env` for neighbour `next`; nothing is visible to it before `flush()`. */
  post(next: NodeId, env: EnvelopeData): void {
    const out = this.#out.get(next);
    if (!out) throw new CdmsimError(`node ${next} is not a neighbour of this node`);
    out.pending.push(env);
  }

  /** Number of envelopes posted but not yet written into a ring. */
  get pendingCount(): number {
    let n = 0;
    for (const o of this.#out.values()) n += o.pending.length;
    return n;
  }

  /**
   * Writes every neighbour's pending envelopes as batches, publishes and
   * rings each neighbour written to. Returns true when nothing is left
   * pending; false when a ring was full (the caller must drain its own
   * incoming rings and retry, so that two full rings cannot deadlock).
   */
  flush(): boolean {
    let allWritten = true;
    for (const out of this.#out.values()) {
      if (out.pending.length === 0) continue;
      const written = this.#writeBatches(out.port, out.pending);
      if (written > 0) {
        out.port.ring.publish();
        if (this.#wakeOnPublish) out.port.doorbell.ring();
      }
      if (written < out.pending.length) {
        out.pending.splice(0, written);
        this.stats.backPressureEvents++;
        allWritten = false;
      } else {
        out.pending.length = 0;
      }
    }
    return allWritten;
  }

  /** Rings the doorbell of every neighbour we still hold envelopes for (its ring is full: it must drain). */
  wakeBlocked(): void {
    for (const out of this.#out.values()) if (out.pending.length > 0) out.port.doorbell.ring();
  }

  /** Writes `pending` in as few records as fit; returns how many envelopes were written. */
  #writeBatches(port: OutPort, pending: EnvelopeData[]): number {
    let start = 0;
    let count = pending.length;
    while (start < pending.length) {
      const slice = start === 0 && count === pending.length ? pending : pending.slice(start, start + count);
      const bytes = encodeBatch(slice);
      if (bytes.length > port.ring.maxRecordBytes && count > 1) {
        count = Math.ceil(count / 2);
        continue;
      }
      if (!port.ring.tryWrite(bytes)) return start;
      this.stats.batchesSent++;
      this.stats.envelopesSent += count;
      this.stats.encodedBytes += bytes.length;
      start += count;
      count = pending.length - start;
    }
    return start;
  }

  /**
   * Reads every available batch from every incoming ring and hands each
   * envelope to `onEnvelope` in ring order. Returns the number of envelopes.
   */
  drain(onEnvelope: (env: cdmsim.Envelope) => void): number {
    let n = 0;
    for (const ring of this.#in) {
      ring.drain((view) => {
        // The view aliases ring memory that the producer reuses once we
        // return, and decoded bytes fields alias their input: copy first.
        const envelopes = decodeBatch(view.slice());
        this.stats.batchesReceived++;
        for (const env of envelopes) onEnvelope(env);
        n += envelopes.length;
      });
    }
    this.stats.envelopesReceived += n;
    return n;
  }
}
