import { describe, expect, it } from 'vitest';
import { runSimulation } from '@cdmsim/runtime';
import { smallConfig } from './helpers.js';

describe('Perfetto trace of the simulated timeline', () => {
  it('has one named track per node, slices at simulated µs, and every flow end matches a flow start', async () => {
    const config = smallConfig();
    const r = await runSimulation(config, { seed: 2, traceEventsPerNode: 1_000_000 });
    const events = r.trace!.traceEvents;
    expect(r.trace!.droppedEvents).toBe(0);
    const names = events.filter((e) => e.ph === 'M').map((e) => e.args!.name);
    expect(names.sort()).toEqual(config.topology.nodes.map((n) => n.name).sort());
    const slices = events.filter((e) => e.ph === 'X');
    expect(slices.length).toBe(r.totals.events);
    expect(Math.max(...slices.map((e) => e.ts))).toBeCloseTo(r.simTimePs / 1e6, 6);
    const starts = new Set(events.filter((e) => e.ph === 's').map((e) => e.id));
    const ends = events.filter((e) => e.ph === 'f');
    expect(ends.length).toBeGreaterThan(0);
    for (const f of ends) expect(starts.has(f.id)).toBe(true);
    // The trace is not part of the deterministic results and not in nodes[].
    expect(JSON.stringify(r.nodes)).not.toContain('traceEvents');
  });

  it('is identical for the same seed (deterministic mode) and respects its size limit', async () => {
    const config = smallConfig();
    const a = await runSimulation(config, { seed: 5, traceEventsPerNode: 50 });
    const b = await runSimulation(config, { seed: 5, traceEventsPerNode: 50 });
    expect(JSON.stringify(a.trace)).toBe(JSON.stringify(b.trace));
    expect(a.trace!.droppedEvents).toBeGreaterThan(0);
    expect(a.trace!.traceEvents.length).toBeLessThanOrEqual(50 * config.topology.nodes.length);
  });
});
