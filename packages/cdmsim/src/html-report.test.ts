import { describe, expect, it } from 'vitest';
import { defaultConfig, sharedBuffer } from '@cdmsim/workloads';
import { runSimulation } from '@cdmsim/runtime';
import { htmlReport } from './html-report.js';

describe('HTML report', () => {
  it('is a self-contained page whose chart data covers every active link direction and every node', async () => {
    const c = defaultConfig();
    if (!sharedBuffer.runs(c)) throw new Error('the built-in experiment changed workload');
    const result = await runSimulation({ ...c, workload: { ...c.workload, bufferBytes: 64 * 1024, accessesPerDevice: 32 } }, { seed: 3 });
    const html = htmlReport(result);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('echarts'); // inlined, no network needed
    const data = JSON.parse(/<script id="data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!);
    const active = result.links.flatMap((l) => l.directions.filter((d) => d.messages > 0));
    expect(data.linkDirections).toHaveLength(active.length);
    expect(data.nodes).toEqual(result.nodes.map((n) => n.name));
    const totalBytes = data.bytesByKind.flat().reduce((a: number, b: number) => a + b, 0);
    expect(totalBytes).toBe(result.totals.linkBytes);
    // Page placement ends where the run ends: every frame freed at exit, but cpu0's ZERO_PAGE(0).
    data.frames.forEach((series: [number, number][], node: number) => expect(series.at(-1)![1]).toBe(node === 0 ? 1 : 0));
    expect(Math.max(...data.frames.flat(2).filter((_: unknown, i: number) => i % 2 === 1))).toBeGreaterThan(0);
  });
});
