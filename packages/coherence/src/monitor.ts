/**
 * The coherence invariant monitor, usable in every test and stress run:
 *  - SWMR: at any moment a line has one writer (read-write permission) or any
 *    number of readers, never both;
 *  - data value: every load returns the value of the last store in the line's
 *    coherence order (stores are ordered as they perform, which SWMR makes total);
 *  - memory: after a recall, memory holds the last store's value.
 * Violations throw `InvariantViolation` carrying the run's seed.
 */
import { InvariantViolation, type NodeId, type Ps } from '@cdmsim/engine';
import { formatLine, type AccessPermission } from './table.js';
import type { LineAddr } from './messages.js';
import type { CoherenceChecks } from './coherence-host.js';

/** Stored values kept per line for violation messages (the tail of its coherence order). */
const RECENT_STORES = 5;

/** Checks SWMR and data-value invariants as permissions change and operations perform. */
export class CoherenceMonitor implements CoherenceChecks {
  readonly #seed: number | undefined;
  readonly #perms = new Map<LineAddr, Map<NodeId, 'read' | 'read-write'>>();
  /** The last `RECENT_STORES` stored values per line, oldest first; the last is the line's value. */
  readonly #recent = new Map<LineAddr, number[]>();
  readonly #initial: (line: LineAddr) => number;
  loads = 0;
  stores = 0;

  /** `seed` is quoted in violations; `initialValue` is memory's value of a never-written line (default 0). */
  constructor(seed?: number, initialValue: (line: LineAddr) => number = () => 0) {
    this.#seed = seed;
    this.#initial = initialValue;
  }

  /** Records that `agent`'s cache now has `permission` on `line`; throws when SWMR breaks. */
  setPermission(agent: NodeId, line: LineAddr, permission: AccessPermission, atPs: Ps): void {
    let m = this.#perms.get(line);
    if (!m) this.#perms.set(line, (m = new Map()));
    if (permission === 'read' || permission === 'read-write') m.set(agent, permission);
    else m.delete(agent);
    let writers = 0;
    for (const p of m.values()) if (p === 'read-write') writers++;
    if (writers > 1 || (writers === 1 && m.size > 1)) {
      const holders = [...m].map(([a, p]) => `agent ${a}: ${p}`).join(', ');
      throw new InvariantViolation(`SWMR violated on line ${formatLine(line)} at ${atPs} ps: ${holders}`, this.#seed);
    }
  }

  /**
   * Starts a new coherence order for `line`: its frame was freed and will
   * hold a new page (whose first loads return the initial value). Caller
   * recalled the line first: no agent may hold a permission on it.
   * @throws InvariantViolation when an agent still holds the line.
   */
  forget(line: LineAddr): void {
    const holders = [...(this.#perms.get(line) ?? [])];
    if (holders.length) throw new InvariantViolation(`line ${formatLine(line)} forgotten while node ${holders[0]![0]} still holds it`, this.#seed);
    this.#recent.delete(line);
  }

  /** Records a store performing; its value goes last in the line's coherence order. */
  onStore(agent: NodeId, line: LineAddr, value: number, atPs: Ps): void {
    this.#checkHolds(agent, line, 'read-write', 'store', atPs);
    this.stores++;
    let o = this.#recent.get(line);
    if (!o) this.#recent.set(line, (o = []));
    if (o.length === RECENT_STORES) o.shift();
    o.push(value);
  }

  /** Checks a load performing: it must return the last stored value; throws otherwise. */
  onLoad(agent: NodeId, line: LineAddr, value: number, atPs: Ps): void {
    this.#checkHolds(agent, line, 'read', 'load', atPs);
    this.loads++;
    const expected = this.lastValue(line);
    if (value !== expected) {
      throw new InvariantViolation(
        `data-value violated: agent ${agent} loaded ${value} from line ${formatLine(line)} at ${atPs} ps; the last store wrote ${expected} (coherence order: ${(this.#recent.get(line) ?? []).join(' → ')})`,
        this.#seed,
      );
    }
  }

  /** Checks memory's value after a recall: it must be the last stored value. */
  checkMemory(line: LineAddr, memoryValue: number): void {
    if (memoryValue !== this.lastValue(line)) {
      throw new InvariantViolation(`recall of line ${formatLine(line)} left ${memoryValue} in memory; the last store wrote ${this.lastValue(line)}`, this.#seed);
    }
  }

  /** Returns the line's value in coherence order so far (initial value when never stored). */
  lastValue(line: LineAddr): number {
    const o = this.#recent.get(line);
    return o && o.length > 0 ? o[o.length - 1]! : this.#initial(line);
  }

  #checkHolds(agent: NodeId, line: LineAddr, need: 'read' | 'read-write', what: string, atPs: Ps): void {
    const p = this.#perms.get(line)?.get(agent);
    if (p === undefined || (need === 'read-write' && p !== 'read-write')) {
      throw new InvariantViolation(`agent ${agent} performed a ${what} on line ${formatLine(line)} at ${atPs} ps without ${need} permission`, this.#seed);
    }
  }
}
