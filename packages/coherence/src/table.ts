/**
 * Generic protocol table: states × events → actions, as data. One table per
 * controller (cache, directory). A table is checked for completeness (every
 * pair is a row or explicitly illegal), looked up at run time (a missing pair
 * throws `ProtocolViolation`) and rendered to Markdown for the docs.
 */
import { CdmsimError, ProtocolViolation } from '@cdmsim/engine';

/** What the core may do with a line in a state. */
export type AccessPermission = 'none' | 'read' | 'read-write' | 'busy';

/**
 * A state: its name, whether it is stable, the access it grants and what it
 * means. A stable state has nothing in flight (gem5's base states); a
 * transient one waits for messages and is named after what is pending
 * (`IS_D`, `S_Recall_A`). Every set of states the code needs is derived from
 * these fields (`stateNames`), never written out again.
 */
export interface StateSpec<S extends string> {
  readonly name: S;
  /** True when nothing is in flight for the line in this state. */
  readonly stable: boolean;
  readonly permission: AccessPermission;
  readonly description: string;
}

/** Returns the names of the states of `states` that satisfy `where`, in table order. */
export function stateNames<S extends string>(states: readonly StateSpec<S>[], where: (s: StateSpec<S>) => boolean): S[] {
  return states.filter(where).map((s) => s.name);
}

/** Returns true when `permission` lets the core read the line (read or read-write): the holder has a copy. */
export function grantsAccess(permission: AccessPermission): boolean {
  return permission === 'read' || permission === 'read-write';
}

/** An event: its name and what triggers it. */
export interface EventSpec<E extends string> {
  readonly name: E;
  readonly description: string;
}

/** One row: in any of `from`, on `event`, run `actions` in order and move to `to` (`to` absent = stay). */
export interface Transition<S extends string, E extends string, A extends string> {
  readonly from: readonly S[];
  readonly event: E | readonly E[];
  readonly to?: S;
  readonly actions: readonly A[];
  readonly description: string;
}

/** Pairs that must never happen, with the reason (the completeness check needs it). */
export interface IllegalPairs<S extends string, E extends string> {
  readonly states: readonly S[];
  readonly events: readonly E[];
  readonly why: string;
}

/** A controller's whole protocol as data. */
export interface ProtocolTable<S extends string, E extends string, A extends string> {
  readonly name: string;
  readonly description: string;
  readonly states: readonly StateSpec<S>[];
  readonly events: readonly EventSpec<E>[];
  readonly actions: Readonly<Record<A, string>>;
  readonly transitions: readonly Transition<S, E, A>[];
  readonly illegal: readonly IllegalPairs<S, E>[];
}

/** A resolved row: where to go (`to` = current state when the row stays), what to run, and whether it stalls. */
export interface ResolvedRow<S extends string, A extends string> {
  readonly to: S | undefined;
  readonly actions: readonly A[];
  /** True when `actions` includes `'stall'` (precomputed: checked on every fire). */
  readonly stalls: boolean;
}

const eventsOf = <E extends string>(e: E | readonly E[]): readonly E[] => (typeof e === 'string' ? [e as E] : (e as readonly E[]));

/**
 * An indexed table for O(1) lookups. Construct once per controller.
 * @throws CdmsimError when two rows cover the same pair (a table bug).
 */
export class TableIndex<S extends string, E extends string, A extends string> {
  readonly table: ProtocolTable<S, E, A>;
  /** Rows by state, then event: no key is built per lookup. */
  readonly #rows = new Map<S, Map<E, ResolvedRow<S, A>>>();

  constructor(table: ProtocolTable<S, E, A>) {
    this.table = table;
    for (const t of table.transitions) {
      const row: ResolvedRow<S, A> = { to: t.to, actions: t.actions, stalls: t.actions.includes('stall' as A) };
      for (const s of t.from) {
        let byEvent = this.#rows.get(s);
        if (!byEvent) this.#rows.set(s, (byEvent = new Map()));
        for (const e of eventsOf(t.event)) {
          if (byEvent.has(e)) throw new CdmsimError(`${table.name}: duplicate row for ${s} × ${e}: merge the rows or drop one`);
          byEvent.set(e, row);
        }
      }
    }
  }

  /**
   * Returns the row for (state, event).
   * @throws ProtocolViolation naming table, state, event and `address` when there is none.
   */
  lookup(state: S, event: E, address: number): ResolvedRow<S, A> {
    const row = this.#rows.get(state)?.get(event);
    if (row === undefined) throw new ProtocolViolation(this.table.name, state, event, formatLine(address));
    return row;
  }
}

/** Formats a line address for messages: `0x…`. */
export function formatLine(address: number): string {
  return `0x${address.toString(16)}`;
}

/** A completeness problem: a pair with no row and not illegal, or both. */
export interface CompletenessIssue {
  readonly state: string;
  readonly event: string;
  readonly problem: 'missing' | 'row-and-illegal' | 'unknown-name';
}

/** Returns every pair that is neither a row nor illegal (or is both, or names an unknown state/event/action); empty when complete. */
export function checkCompleteness<S extends string, E extends string, A extends string>(
  table: ProtocolTable<S, E, A>,
): CompletenessIssue[] {
  const issues: CompletenessIssue[] = [];
  const stateNames = new Set<string>(table.states.map((s) => s.name));
  const eventNames = new Set<string>(table.events.map((e) => e.name));
  const rows = new Set<string>();
  const illegal = new Set<string>();
  for (const t of table.transitions) {
    for (const a of t.actions) if (!(a in table.actions)) issues.push({ state: t.from.join(','), event: a, problem: 'unknown-name' });
    if (t.to !== undefined && !stateNames.has(t.to)) issues.push({ state: t.to, event: '', problem: 'unknown-name' });
    for (const s of t.from) for (const e of eventsOf(t.event)) rows.add(`${s}|${e}`);
  }
  for (const p of table.illegal) for (const s of p.states) for (const e of p.events) illegal.add(`${s}|${e}`);
  for (const key of [...rows, ...illegal]) {
    const [s, e] = key.split('|') as [string, string];
    if (!stateNames.has(s) || !eventNames.has(e)) issues.push({ state: s, event: e, problem: 'unknown-name' });
  }
  for (const s of stateNames) {
    for (const e of eventNames) {
      const key = `${s}|${e}`;
      const r = rows.has(key);
      const i = illegal.has(key);
      if (!r && !i) issues.push({ state: s, event: e, problem: 'missing' });
      if (r && i) issues.push({ state: s, event: e, problem: 'row-and-illegal' });
    }
  }
  return issues;
}

/** Returns (number of states, events, transition rows as written, expanded state×event pairs with a row). */
export function tableSize(table: ProtocolTable<string, string, string>): { states: number; events: number; rows: number; pairs: number } {
  let pairs = 0;
  for (const t of table.transitions) pairs += t.from.length * eventsOf(t.event).length;
  return { states: table.states.length, events: table.events.length, rows: table.transitions.length, pairs };
}

const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** Renders a table to Markdown: states, events, actions, transitions, illegal pairs, and a state × event matrix. */
export function renderMarkdown(table: ProtocolTable<string, string, string>): string {
  const out: string[] = [];
  const size = tableSize(table);
  out.push(`## ${table.name}`, '', table.description, '');
  out.push(`${size.states} states, ${size.events} events, ${size.rows} rows covering ${size.pairs} (state, event) pairs.`, '');
  out.push('### States', '', '| State | Stable | Permission | Description |', '|---|---|---|---|');
  for (const s of table.states) out.push(`| \`${s.name}\` | ${s.stable ? 'yes' : 'no'} | ${s.permission} | ${cell(s.description)} |`);
  out.push('', '### Events', '', '| Event | Description |', '|---|---|');
  for (const e of table.events) out.push(`| \`${e.name}\` | ${cell(e.description)} |`);
  out.push('', '### Actions', '', '| Action | Description |', '|---|---|');
  for (const [a, d] of Object.entries<string>(table.actions)) out.push(`| \`${a}\` | ${cell(d)} |`);
  out.push('', '### Transitions', '', '| From | Event | To | Actions | Description |', '|---|---|---|---|---|');
  for (const t of table.transitions) {
    const from = t.from.map((s) => `\`${s}\``).join(', ');
    const ev = eventsOf(t.event).map((e) => `\`${e}\``).join(', ');
    const to = t.to === undefined ? '(same)' : `\`${t.to}\``;
    out.push(`| ${from} | ${ev} | ${to} | ${t.actions.map((a) => `\`${a}\``).join(', ')} | ${cell(t.description)} |`);
  }
  out.push('', '### Illegal pairs', '', '| States | Events | Why |', '|---|---|---|');
  for (const p of table.illegal) out.push(`| ${p.states.join(', ')} | ${p.events.join(', ')} | ${cell(p.why)} |`);
  out.push('', '### Matrix (next state; `stall` = recycle; `✗` = illegal)', '');
  const index = new TableIndex(table);
  out.push(`| | ${table.events.map((e) => e.name).join(' | ')} |`, `|---|${table.events.map(() => '---').join('|')}|`);
  for (const s of table.states) {
    const cells = table.events.map((e) => {
      try {
        const row = index.lookup(s.name, e.name, 0);
        if (row.stalls) return 'stall';
        return row.to ?? '·';
      } catch {
        return '✗';
      }
    });
    out.push(`| **${s.name}** | ${cells.join(' | ')} |`);
  }
  out.push('');
  return out.join('\n');
}

/**
 * Returns a copy of `table` with `action` removed from the row for (state, event).
 * For tests that break the protocol on purpose and check that the checkers notice.
 * @throws CdmsimError when no row covers the pair.
 */
export function withoutAction<S extends string, E extends string, A extends string>(
  table: ProtocolTable<S, E, A>,
  state: S,
  event: E,
  action: A,
): ProtocolTable<S, E, A> {
  let found = false;
  const transitions: Transition<S, E, A>[] = [];
  for (const t of table.transitions) {
    const evs = eventsOf(t.event);
    if (!t.from.includes(state) || !evs.includes(event)) {
      transitions.push(t);
      continue;
    }
    found = true;
    // Split the row so that only the one pair loses the action.
    const otherStates = t.from.filter((s) => s !== state);
    const otherEvents = evs.filter((e) => e !== event);
    if (otherStates.length > 0) transitions.push({ ...t, from: otherStates });
    if (otherEvents.length > 0) transitions.push({ ...t, from: [state], event: otherEvents });
    transitions.push({ ...t, from: [state], event, actions: t.actions.filter((a) => a !== action), description: `${t.description} (BROKEN: ${action} removed)` });
  }
  if (!found) throw new CdmsimError(`${table.name}: no row for ${state} × ${event} to remove ${action} from`);
  return { ...table, name: `${table.name} (broken)`, transitions };
}

/** The action implementations of a table: each mutates only the transition's context. */
export type ActionImpls<A extends string, C> = Readonly<Record<A, (ctx: C) => void>>;

/**
 * Fires one transition: looks up (state, event), runs its actions in order on
 * `ctx` and returns the next state, or `'stall'` when the row stalls (then no
 * action runs). Pure apart from `ctx`, which the caller owns.
 * @throws ProtocolViolation when the pair has no row.
 */
export function fire<S extends string, E extends string, A extends string, C>(
  index: TableIndex<S, E, A>,
  impls: ActionImpls<A, C>,
  state: S,
  event: E,
  address: number,
  ctx: C,
): S | 'stall' {
  const row = index.lookup(state, event, address);
  if (row.stalls) return 'stall';
  for (const a of row.actions) impls[a](ctx);
  return row.to ?? state;
}
