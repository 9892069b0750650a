/**
 * A node's share of the Chrome / Perfetto trace of the simulated timeline
 * (open trace.json in ui.perfetto.dev or chrome://tracing). One track per
 * node; every event the node processes is a slice at its simulated time,
 * and every message is a flow arrow from its send to its arrival at each
 * hop. Timestamps are simulated microseconds (the format's unit), not wall
 * time, so a deterministic run's trace is identical every time.
 */
import { PS_PER_US, type Ps } from '@cdmsim/engine';

/** One event of the Chrome trace-event format (the subset cdmsim writes). */
export interface TraceEvent {
  readonly name: string;
  readonly cat: string;
  readonly ph: 'X' | 's' | 'f' | 'M';
  readonly ts: number;
  readonly pid: number;
  readonly tid: number;
  readonly dur?: number;
  readonly id?: string;
  readonly bp?: 'e';
  readonly args?: Record<string, number | string>;
}

/** Width given to a slice whose event takes no simulated time, in µs (1 ns), so it shows up. */
const INSTANT_US = 0.001;
const PID = 1;

/** Records one node's trace events, up to a limit. */
export class TraceRecorder {
  readonly events: TraceEvent[] = [];
  /** Events not recorded because the limit was reached. */
  dropped = 0;
  readonly #tid: number;
  readonly #limit: number;

  /** `tid`: the node id; `limit`: the most events kept (the rest are counted in `dropped`). */
  constructor(tid: number, nodeName: string, limit: number) {
    this.#tid = tid;
    this.#limit = limit;
    this.events.push({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid: PID, tid, args: { name: nodeName } });
  }

  #push(e: TraceEvent): void {
    if (this.events.length >= this.#limit) this.dropped++;
    else this.events.push(e);
  }

  /** A slice for an event processed at `atPs`. */
  slice(atPs: Ps, name: string, cat: string, args: Record<string, number | string>): void {
    this.#push({ name, cat, ph: 'X', ts: atPs / PS_PER_US, dur: INSTANT_US, pid: PID, tid: this.#tid, args });
  }

  /** The start of a message's flow arrow (its send, or its forwarding at a hop). */
  flowOut(atPs: Ps, name: string, flowId: string): void {
    this.#push({ name, cat: 'message', ph: 's', ts: atPs / PS_PER_US, pid: PID, tid: this.#tid, id: flowId });
  }

  /** The end of a message's flow arrow, where it arrives. */
  flowIn(atPs: Ps, name: string, flowId: string): void {
    this.#push({ name, cat: 'message', ph: 'f', bp: 'e', ts: atPs / PS_PER_US, pid: PID, tid: this.#tid, id: flowId });
  }
}
