/**
 * The lines a coherence watch checks, as caches, directories and the
 * cross-worker monitor see them: each line's slot in the watch and its home.
 */
import type { NodeId } from '@cdmsim/engine';
import type { LineAddr } from '@cdmsim/coherence';

/** The lines a coherence watch checks: the watch index and the home of each (what caches, directories and the monitor need). */
export interface LineIndex {
  /** Returns the watch index of a checked line. @throws Error for any other line. */
  indexOf(line: LineAddr): number;
  /** Returns the home node of a line (the node owning its page). @throws Error when no memory holds it. */
  homeOf(line: LineAddr): NodeId;
}
