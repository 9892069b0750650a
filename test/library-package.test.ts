/**
 * cdmsim as a library outside the repository: a fresh folder installs
 * `packages/cdmsim` with npm and runs the example script from
 * `examples/scripts/`, which imports everything from 'cdmsim'.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);

describe('the cdmsim package', () => {
  it('installs into a folder outside the repository and runs the example script from there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdmsim-outside-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'outside', version: '1.0.0', private: true, type: 'module' }));
    await run('npm', ['install', join(ROOT, 'packages', 'cdmsim'), '--no-audit', '--no-fund', '--offline'], { cwd: dir });
    copyFileSync(join(ROOT, 'examples', 'scripts', 'compare-latency.mjs'), join(dir, 'compare-latency.mjs'));
    const { stdout } = await run(process.execPath, ['compare-latency.mjs', '32'], { cwd: dir });
    const lines = stdout.trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual(['simTimePs', 'totals.events', 'totals.linkBytes']);
    // Slower CPU memory: the same work takes longer in simulated time.
    const [before, after] = lines[0]!.split(': ')[1]!.split(' -> ').map(Number) as [number, number];
    expect(after).toBeGreaterThan(before);
    // The library reports a bad override like the CLI does: the override named, a ConfigError, no run.
    const probe = join(dir, 'probe.mjs');
    writeFileSync(probe, "import { loadConfig, ConfigError } from 'cdmsim';\ntry { loadConfig({ set: ['workload.accessesPerDevice=-5'] }); } catch (e) { console.log(e instanceof ConfigError, e.message); }\n");
    const bad = await run(process.execPath, [probe], { cwd: dir });
    expect(bad.stdout).toMatch(/^true --set workload\.accessesPerDevice=-5: workload\.accessesPerDevice: must be a positive number/);
    // A config edited in code and run without a catch: the field named, no stack frames, no run.
    const edited = join(dir, 'edited.mjs');
    writeFileSync(edited, "import { loadConfig, runSimulation } from 'cdmsim';\nconst config = loadConfig();\nconfig.workload.accessesPerDevice = -5;\nawait runSimulation(config);\n");
    const uncaught = await run(process.execPath, [edited], { cwd: dir }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(uncaught.code).toBe(1);
    expect(uncaught.stderr).toContain('ConfigValidationError: <built-in default>: workload.accessesPerDevice: must be a positive number (got -5)');
    expect(uncaught.stderr).not.toMatch(/\n\s+at /);
  });
});
