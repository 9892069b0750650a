import { describe, expect, it } from 'vitest';
import { MM_STRESS_TABLE } from '@cdmsim/mm/testing';
import { MM_STRESS_CPU_PLAN, mmStressCpuPlan } from './cpu-plan.js';

const FIRST = { firstCpu: true, opsPerCpu: 201 };
const OTHER = { firstCpu: false, opsPerCpu: 201 };

describe('mm-stress CPU plan and its sabotages', () => {
  it('without a sabotage every CPU node runs the shared table', () => {
    expect(mmStressCpuPlan(undefined, FIRST)).toBe(MM_STRESS_CPU_PLAN);
    expect(MM_STRESS_CPU_PLAN.table).toBe(MM_STRESS_TABLE);
  });

  it('a rule break adds one after-operation step, from halfway (rounded up), on the first CPU node only', () => {
    for (const kind of ['skip-put-page', 'corrupt-rss'] as const) {
      const plan = mmStressCpuPlan(kind, FIRST);
      expect(plan.table.afterOp).toHaveLength(1);
      expect(plan.table.name).toContain(`${kind} from operation 101`);
      expect(plan.table.rows).toBe(MM_STRESS_TABLE.rows);
      expect(plan.thinkPs).toBe(MM_STRESS_CPU_PLAN.thinkPs);
      expect(mmStressCpuPlan(kind, OTHER)).toBe(MM_STRESS_CPU_PLAN);
    }
  });

  it('racy-shared-read replaces the think time only; page-coherence sabotages leave the plan alone', () => {
    const racy = mmStressCpuPlan('racy-shared-read', OTHER);
    expect(racy.table).toBe(MM_STRESS_TABLE);
    expect(racy.thinkPs).not.toBe(MM_STRESS_CPU_PLAN.thinkPs);
    for (const kind of ['skip-dma-flush', 'skip-free-invalidate'] as const) expect(mmStressCpuPlan(kind, FIRST)).toBe(MM_STRESS_CPU_PLAN);
  });
});
