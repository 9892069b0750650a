/**
 * TEST ONLY: broken rules for tests of the mm stress itself, as transforms
 * of its operation table — never as branches in the operations or the
 * runners. Each rule break is defined once here and used by both runners;
 * each runner says when it applies (the in-process stress at a given step,
 * the worker stress halfway through on the first CPU node).
 */
import { getPage } from '../page-lifetime.js';
import type { MmStressHost } from './stress-host.js';
import type { MmStressTable } from './stress-table.js';

/**
 * Breaks one rule on the host's state; returns false when there is nothing
 * to break yet (the break is tried again after the next operation).
 */
type RuleBreak = (h: MmStressHost) => boolean;

/**
 * The rule breaks, by sabotage name. Either must make the next check fail.
 *  - `skip-put-page`: leaks one reference of an in-use RAM page (a missing
 *    `putPage`; a freed frame waiting for its cache lines is not in use);
 *  - `corrupt-rss`: bumps the anon rss counter of the oldest process.
 */
export const MM_RULE_BREAKS = {
  'skip-put-page': (h) => {
    const { core } = h;
    const pfn = [...core.ram.values()].flatMap((a) => a.allocatedPfns()).find((x) => x !== core.zeroPfn && core.frames.refcount(x) > 0);
    if (pfn === undefined) return false;
    getPage(core, pfn); // never put
    return true;
  },
  'corrupt-rss': (h) => {
    const first = h.areas.keys().next();
    if (first.done) return false;
    first.value.rss.anon++;
    return true;
  },
} as const satisfies Record<string, RuleBreak>;

/** A sabotage that breaks an mm rule once (see `MM_RULE_BREAKS`). */
export type MmRuleBreakName = keyof typeof MM_RULE_BREAKS;

/**
 * Returns `table` with one more after-operation step: after the first
 * operation for which `opsStarted >= fromOp` and the break finds something
 * to break, `kind` breaks its rule, once. The step remembers that it fired:
 * use the returned table for one run only.
 */
export function withRuleBreak(table: MmStressTable, kind: MmRuleBreakName, fromOp: number): MmStressTable {
  const breakRule: RuleBreak = MM_RULE_BREAKS[kind];
  let broken = false;
  return {
    ...table,
    name: `${table.name} (BROKEN: ${kind} from operation ${fromOp})`,
    afterOp: [
      ...table.afterOp,
      (h) => {
        if (!broken && h.opsStarted >= fromOp) broken = breakRule(h);
      },
    ],
  };
}
