/**
 * A node's counters over simulated time, for charts (memory traffic, page
 * placement, messages). Samples are taken at fixed simulated-time
 * boundaries, just before the first event at or past each boundary, so in
 * deterministic mode they depend only on the event order: identical runs
 * give identical timelines. The interval starts small and doubles (every
 * other sample dropped) whenever the timeline grows past its cap, so long
 * runs keep a bounded, evenly spaced timeline.
 */
import type { Ps } from '@cdmsim/engine';

/** Counter values of a node at one instant (plain data). */
export interface TimelineSample {
  readonly tPs: Ps;
  readonly messagesSent: number;
  readonly memoryReadBytes: number;
  readonly memoryWriteBytes: number;
  /** Frames of this node's memory allocated: page placement. */
  readonly framesAllocated: number;
}

/** Reads the current counters. */
export type CounterReader = () => Omit<TimelineSample, 'tPs'>;

/** First sampling interval. */
const INITIAL_INTERVAL_PS = 100_000; // 100 ns
/** Most samples kept before the interval doubles. */
const MAX_SAMPLES = 512;

/** The timeline of one node. */
export class Timeline {
  readonly samples: TimelineSample[] = [];
  #intervalPs: Ps = INITIAL_INTERVAL_PS;
  #nextPs: Ps = 0;
  readonly #read: CounterReader;

  constructor(read: CounterReader) {
    this.#read = read;
  }

  /** Current sampling interval. */
  get intervalPs(): Ps {
    return this.#intervalPs;
  }

  /**
   * Called before an event at `eventPs` runs: records a sample for every
   * boundary the clock is about to cross (the counters then hold the state
   * of all earlier events).
   */
  beforeEvent(eventPs: Ps): void {
    while (eventPs >= this.#nextPs) {
      this.samples.push({ tPs: this.#nextPs, ...this.#read() });
      this.#nextPs += this.#intervalPs;
      if (this.samples.length > MAX_SAMPLES) this.#decimate();
    }
  }

  /** Records the final state at `endPs` (the end of the run). */
  finish(endPs: Ps): void {
    this.samples.push({ tPs: endPs, ...this.#read() });
  }

  #decimate(): void {
    const kept = this.samples.filter((s) => (s.tPs / this.#intervalPs) % 2 === 0);
    this.samples.length = 0;
    this.samples.push(...kept);
    this.#intervalPs *= 2;
    this.#nextPs = Math.ceil(this.#nextPs / this.#intervalPs) * this.#intervalPs;
  }
}
