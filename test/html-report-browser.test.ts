/// <reference lib="dom" />
/**
 * The HTML reports in a real browser (Debian's chromium, driven by
 * playwright-core; `.ci/run` installs it): the run report and a sweep's
 * comparison report load from file:// with no script error, and every
 * chart draws its series on a canvas.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { runCli } from './helpers.js';

/** Debian's chromium (override with CHROMIUM_PATH). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium, as .ci/run does) or set CHROMIUM_PATH`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
});

afterAll(async () => {
  await browser?.close();
});

/** What a page's charts drew: per chart element id, its series count and how many canvas pixels are not blank. */
async function renderedCharts(file: string, ids: readonly string[]): Promise<{ errors: string[]; charts: Record<string, { series: number; inked: number }> }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction((n) => document.querySelectorAll('canvas').length >= n, ids.length);
  // ECharts animates the first draw; wait for it to settle.
  await page.waitForTimeout(1500);
  const charts = await page.evaluate((chartIds) => {
    const w = window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { series: unknown[] } } | undefined } };
    const out: Record<string, { series: number; inked: number }> = {};
    for (const id of chartIds) {
      const el = document.getElementById(id)!;
      const canvas = el.querySelector('canvas')!;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) inked++;
      out[id] = { series: w.echarts.getInstanceByDom(el)?.getOption().series.length ?? 0, inked };
    }
    return out;
  }, ids);
  await page.close();
  return { errors, charts };
}

describe('HTML reports in a real browser', () => {
  it('the run report draws every chart with no script error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdmsim-browser-'));
    const r = await runCli(['run', '--set', 'workload.bufferSize=64KiB', '--set', 'workload.accessesPerDevice=64', '--out', dir, '--quiet']);
    expect(r.code).toBe(0);
    const ids = ['traffic', 'utilization', 'memory', 'placement', 'messages'];
    const { errors, charts } = await renderedCharts(join(dir, 'report.html'), ids);
    expect(errors).toEqual([]);
    for (const id of ids) {
      expect(charts[id]!.series, id).toBeGreaterThan(0);
      expect(charts[id]!.inked, id).toBeGreaterThan(1000);
    }
  });

  it('the sweep report draws the metric against each axis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdmsim-browser-'));
    const file = join(dir, 'grid.yaml');
    writeFileSync(file, ['set: { workload.bufferSize: 64KiB }', 'axes:', '  workload.accessesPerDevice: [16, 32]', '  workload.writeFraction: [0, 1]', 'mode: sequential'].join('\n'));
    const r = await runCli(['sweep', file, '--out', join(dir, 'out')]);
    expect(r.code).toBe(0);
    const { errors, charts } = await renderedCharts(join(dir, 'out', 'report.html'), ['axis0', 'axis1']);
    expect(errors).toEqual([]);
    for (const id of ['axis0', 'axis1']) {
      expect(charts[id]!.series, id).toBe(1);
      expect(charts[id]!.inked, id).toBeGreaterThan(1000);
    }
  });
});
