/**
 * Sweeps across machines: a real redis-server (Debian's; `.ci/run` installs
 * it) on loopback on a free port, the points enqueued as BullMQ jobs, two
 * `cdmsim worker` processes taking them, one killed mid-point. Every point
 * must be reported exactly once, with the same results as a local sweep of
 * the same grid.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort, startLoopbackRedis, startUntilReady, type LoopbackRedis } from '@cdmsim/runtime/testing';
import { CLI, runCli } from './helpers.js';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');

/** The grid: two machines × two values of a workload field × three seeds, deterministic. */
const GRID = [
  `machines: [${join(EXAMPLES, 'default.yaml')}, ${join(EXAMPLES, 'dgx-h100.yaml')}]`,
  'set: { workload.bufferSize: 64KiB }',
  'axes:',
  '  workload.accessesPerDevice: [32, 64]',
  'seeds: 1..3',
  'mode: deterministic',
  'workers: auto',
].join('\n');

const children: ChildProcess[] = [];
let redis: LoopbackRedis | undefined;
let url = '';

/** Starts a `cdmsim worker` on the test's queue; resolves once it is ready, its output going to `log`. */
async function startWorker(log: string[]): Promise<ChildProcess> {
  const child = await startUntilReady(process.execPath, [CLI, 'worker', '--queue', url, '--jobs', '1', '--lock-ms', '2000'], /^worker ready/, log);
  children.push(child);
  return child;
}

/** Resolves once `log` has a line matching `line` (checked every 50 ms). */
async function waitForLine(log: readonly string[], line: RegExp): Promise<string> {
  for (;;) {
    const hit = log.find((l) => line.test(l));
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  redis = await startLoopbackRedis();
  url = redis.url;
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  redis?.stop();
});

/** sweep.csv without the wall-time column (the only one that varies between identical runs). */
function sweepTable(dir: string): string[] {
  return readFileSync(join(dir, 'sweep.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(',').slice(0, -1).join(','));
}

describe('sweeps through BullMQ on Redis', () => {
  it('two workers, one killed mid-point: every point reported exactly once, results identical to a local sweep', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdmsim-queue-'));
    const file = join(dir, 'grid.yaml');
    writeFileSync(file, GRID);
    const local = await runCli(['sweep', file, '--out', join(dir, 'local'), '--jobs', '1']);
    expect(local.code).toBe(0);

    const enqueue = await runCli(['sweep', file, '--queue', url]);
    expect(enqueue.code).toBe(0);
    expect(enqueue.stdout).toMatch(/: 12 of 12 points queued/);
    // Enqueueing the same sweep again adds nothing: job ids are the sweep's digest and the point.
    expect((await runCli(['sweep', file, '--queue', url])).stdout).toMatch(/: 0 of 12 points queued .* \(12 were already there\)/);

    const logA: string[] = [];
    const logB: string[] = [];
    const a = await startWorker(logA);
    const started = await waitForLine(logA, /^started sweep \w+ point \d+/);
    a.kill('SIGKILL');
    const killedPoint = Number(/point (\d+)/.exec(started)![1]);
    await startWorker(logB);

    const collected = await runCli(['sweep', file, '--queue', url, '--collect', '--timeout', '240', '--out', join(dir, 'queued')]);
    expect(collected.code).toBe(0);
    expect(collected.stdout).toMatch(/12 points: 12 ok, 0 failed their check, 0 failed to run/);
    // The killed worker's point went back to the queue and the other worker ran it.
    expect(logB).toContain(logB.find((l) => new RegExp(`^completed sweep \\w+ point ${killedPoint} `).test(l)));
    // Exactly once: one row per point, and the same table as the local sweep.
    const queued = sweepTable(join(dir, 'queued'));
    expect(queued.slice(1).map((row) => Number(row.split(',')[0]))).toEqual([...Array(12).keys()]);
    expect(queued).toEqual(sweepTable(join(dir, 'local')));
    const point = (d: string): unknown => JSON.parse(readFileSync(join(dir, d, 'points', String(killedPoint).padStart(4, '0'), 'results.json'), 'utf8')).eventLogHash;
    expect(point('queued')).toBe(point('local'));
  });

  it('an unreachable Redis server is named, with no hang and no stack trace', async () => {
    const port = await freeLoopbackPort();
    const r = await runCli(['worker', '--queue', `redis://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^cdmsim: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: `));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const bad = await runCli(['worker', '--queue', 'http://example']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--queue http:\/\/example: expected redis:\/\/HOST:PORT/);
  });
});
