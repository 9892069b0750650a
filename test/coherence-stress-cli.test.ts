/** `cdmsim stress coherence` on the simulator: --mode, --config, and the replay command of a failing seed. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe('cdmsim stress coherence --mode / --config', () => {
  const cdmsim = runCli;

  it('--cache-lines shrinks the caches on the simulator (writebacks cross the bus)', async () => {
    const small = await cdmsim(['stress', 'coherence', '--seed', '1', '--ops', '300', '--lines', '4', '--cache-lines', '2']);
    expect(small.code).toBe(0);
    expect(small.stdout).toMatch(/1\/1 seeds passed every check on the simulator \(deterministic mode\)/);
  }, 20_000);

  it('runs seeds on the simulator and prints the replay command of a failing seed', async () => {
    const ok = await cdmsim(['stress', 'coherence', '--mode', 'free', '--seed', '2', '--ops', '300']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/1\/1 seeds passed every check on the simulator \(free mode\)/);
    const dir = mkdtempSync(join(tmpdir(), 'cdmsim-coh-'));
    const file = join(dir, 'broken.yaml');
    const yaml = readFileSync(join(import.meta.dirname, '..', 'examples', 'default.yaml'), 'utf8').replace(/workload:[\s\S]*$/, 'workload:\n  kind: coherence-random\n  opsPerNode: 100\n  testOnlyBrokenProtocol: owner-keeps-write-on-forwarded-read\n');
    writeFileSync(file, yaml);
    const bad = await cdmsim(['stress', 'coherence', '--mode', 'deterministic', '--config', file, '--seed', '3']);
    expect(bad.code).toBe(4);
    expect(bad.stdout).toMatch(/seed 3 failed: NodeFailure: .*SWMR violated/);
    expect(bad.stdout).toContain(`replay: npx cdmsim stress coherence --seed 3 --mode deterministic --config ${file}`);
  }, 30_000);
});
