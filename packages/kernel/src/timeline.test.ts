import { describe, expect, it } from 'vitest';
import { Timeline } from './timeline.js';

describe('Timeline', () => {
  it('samples the counters as they were before each boundary is crossed', () => {
    let sent = 0;
    const t = new Timeline(() => ({ messagesSent: sent, memoryReadBytes: 0, memoryWriteBytes: 0, framesAllocated: 0 }));
    t.beforeEvent(0);
    sent = 5;
    t.beforeEvent(250_000); // crosses 100 ns and 200 ns
    sent = 9;
    t.finish(260_000);
    expect(t.samples.map((s) => [s.tPs, s.messagesSent])).toEqual([
      [0, 0],
      [100_000, 5],
      [200_000, 5],
      [260_000, 9],
    ]);
  });

  it('stays bounded and evenly spaced on long runs by doubling its interval', () => {
    const t = new Timeline(() => ({ messagesSent: 0, memoryReadBytes: 0, memoryWriteBytes: 0, framesAllocated: 0 }));
    for (let ps = 0; ps < 1_000_000_000; ps += 37_000) t.beforeEvent(ps);
    expect(t.samples.length).toBeLessThanOrEqual(513);
    const gaps = new Set(t.samples.slice(1).map((s, i) => s.tPs - t.samples[i]!.tPs));
    expect(gaps.size).toBe(1);
    expect([...gaps][0]).toBe(t.intervalPs);
  });
});
