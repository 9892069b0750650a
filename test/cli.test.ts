import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', 'packages', 'cdmsim', 'dist', 'main.js');

/** Runs the CLI; resolves with its exit code and output (never rejects). */
async function cdmsim(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'cdmsim-cli-'));

describe('cdmsim CLI', () => {
  it('run writes results.json with the documented fields and prints a summary', async () => {
    const dir = tmp();
    const cfg = join(dir, 'small.yaml');
    writeFileSync(cfg, readFileSync(join(import.meta.dirname, '..', 'examples', 'default.yaml'), 'utf8').replace(/bufferSize: \S+/, 'bufferSize: 64KiB').replace(/accessesPerDevice: \d+/, 'accessesPerDevice: 64'));
    const r = await cdmsim(['run', '--config', cfg, '--seed', '4', '--out', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/simulated time/);
    expect(r.stdout).toMatch(/data check\s*│ passed/);
    const result = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    for (const key of ['version', 'config', 'seed', 'simTimePs', 'eventLogHash', 'links', 'nodes', 'host', 'workload']) {
      expect(result).toHaveProperty(key);
    }
    expect(result.seed).toBe(4);
    expect(result.host.mode).toBe('deterministic');
    for (const key of ['rounds', 'eventsPerRound', 'wallUsPerRound', 'busyWorkerShare', 'slowdown']) {
      expect(result.host.scheduler).toHaveProperty(key);
    }
    expect(result.links[0].directions[0]).toHaveProperty('byKind');
    expect(readFileSync(join(dir, 'links.csv'), 'utf8').split('\n')[0]).toMatch(/^link,kind,from,to,messages,bytes/);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('Page placement over time');
  });

  it('validate names the file, line, field and problem, exits 2 and prints no stack trace', async () => {
    const dir = tmp();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      readFileSync(join(import.meta.dirname, '..', 'examples', 'default.yaml'), 'utf8').replace(
        '{ between: [cpu0, cpu1], kind: smp, latencyNs: 60, bandwidthGBps: 64,',
        '{ between: [cpu0, cpu9], kind: smp, latencyNs: 60, bandwidthGBps: -64,',
      ),
    );
    const r = await cdmsim(['validate', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: links\[0\]\.bandwidthGBps: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('run with a bad config exits 2 without a stack trace', async () => {
    const dir = tmp();
    const bad = join(dir, 'syntax.yaml');
    writeFileSync(bad, 'name: x\ncpus: [\n');
    const r = await cdmsim(['run', '--config', bad, '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/syntax\.yaml:\d+:\d+/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('run --set overrides config fields before validation; the results carry the overridden machine and workload', async () => {
    const dir = tmp();
    const r = await cdmsim(['run', '--set', 'workload.bufferSize=64KiB', '--set', 'workload.accessesPerDevice=64', '--set', 'cpus[cpu1].dram.latencyNs=120', '--seed', '3', '--out', dir, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(result.config.workload.accessesPerDevice).toBe(64);
    expect(result.config.workload.bufferBytes).toBe(64 * 1024);
    expect(result.config.topology.cpus.map((c: { memory: { latencyPs: number } }) => c.memory.latencyPs)).toEqual([90_000, 120_000]);
  });

  it('run and stress with a bad --partition name the node, exit 2 and print no stack trace', async () => {
    const r = await cdmsim(['run', '--partition', 'cpu0+gpu0,cpu1+gpu1+gpu2', '--out', tmp()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--partition cpu0\+gpu0,cpu1\+gpu1\+gpu2: gpu3 is in no group/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // A stress checks its engine flags once, before any seed: bad input, not failing seeds.
    const s = await cdmsim(['stress', 'mm', '--seeds', '1..2', '--ops', '50', '--partition', 'cpu0,cpu1+gpu0']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--partition cpu0,cpu1\+gpu0: gpu1, gpu2 are in no group/);
    expect(s.stdout).not.toMatch(/seed 1 failed/);
  });

  it('run with a bad --set names the override, exits 2 and prints no stack trace; sweep refuses --jobs 0', async () => {
    const r = await cdmsim(['run', '--set', 'workload.accessesPerDevice=-5', '--set', 'devices[gpu9].cores=2', '--out', tmp()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--set: devices\[gpu9\]\.cores=2: devices has no entry named gpu9/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const v = await cdmsim(['run', '--set', 'workload.accessesPerDevice=-5', '--out', tmp()]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/--set workload\.accessesPerDevice=-5: workload\.accessesPerDevice: must be a positive number/);
    const jobs = await cdmsim(['sweep', '--seeds', '1..2', '--jobs', '0', '--out', tmp()]);
    expect(jobs.code).toBe(2);
    expect(jobs.stderr).toMatch(/--jobs/);
  });

  it('stress coherence runs the random tester over seeds and exits 0 when every check held', async () => {
    const r = await cdmsim(['stress', 'coherence', '--seeds', '1..2', '--agents', '4', '--lines', '2', '--ops', '500']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2\/2 seeds passed every check/);
  });

  it('stress mm runs the memory-manager stress over seeds and exits 0 when every check held', async () => {
    const r = await cdmsim(['stress', 'mm', '--seeds', '1..2', '--ops', '150']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2\/2 seeds passed every check/);
  });

  it('a bad argument exits 2 with the reason', async () => {
    const r = await cdmsim(['stress', 'coherence', '--agents', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--agents.*must be an integer from 2 to 64/);
    const crash = await cdmsim(['run', '--inject-crash', 'gpu9', '--out', tmp()]);
    expect(crash.code).toBe(2);
    expect(crash.stderr).toMatch(/--inject-crash: no node named "gpu9" \(known: cpu0, cpu1, gpu0, gpu1, gpu2, gpu3\)/);
    expect(crash.stderr).not.toMatch(/\n\s+at /);
  });

  for (const node of ['cpu1', 'gpu0']) {
    it(`run --inject-crash ${node} reports the node and exits non-zero`, async () => {
      const dir = tmp();
      const r = await cdmsim(['run', '--inject-crash', node, '--out', dir]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`node ${node} failed: .*injected crash`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});
