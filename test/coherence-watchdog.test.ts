/**
 * The coherence watchdog on node workers: a node's load, store, recall or
 * writeback that makes no progress for the threshold (simulated time) fails
 * the run, naming the node, the stuck transactions with their lines' states,
 * and the seed; healthy runs never trip it.
 */
import { describe, expect, it } from 'vitest';
import { runCli, runError } from './helpers.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFailure } from '@cdmsim/engine';
import type { MachineInput, SimConfig } from '@cdmsim/config';
import { coherenceRandom, resolveConfig } from '@cdmsim/workloads';
import { coherenceRandomWorkload, litmusWorkload } from './helpers.js';
import { runSimulation, type RunMode } from '@cdmsim/runtime';
import { MAX_COH_EVENTS_WITHOUT_PROGRESS, defaultWatchdogPs, missPs, watchdogOptions } from '@cdmsim/platform';

/** A CPU and two GPUs with coherent memory, all linked: every coherence race, and quick to start (3 workers). */
const MACHINE: MachineInput = {
  name: 'watchdog-test',
  cpus: [{ name: 'cpu0', cores: 4, dram: { size: '1GiB', latencyNs: 90, bandwidthGBps: 100 }, cache: { size: '1MiB', ways: 8, lineSize: '64B', hitLatencyNs: 10 } }],
  devices: ['gpu0', 'gpu1'].map((name) => ({
    name,
    kind: 'gpu' as const,
    memory: { size: '1GiB', kind: 'public' as const, latencyNs: 300, bandwidthGBps: 900 },
    cache: { size: '1MiB', ways: 8, lineSize: '64B', hitLatencyNs: 30 },
  })),
  links: [
    { between: ['cpu0', 'gpu0'], kind: 'nvlink', latencyNs: 100, bandwidthGBps: 50, headerBytes: 16, coherent: true },
    { between: ['cpu0', 'gpu1'], kind: 'nvlink', latencyNs: 100, bandwidthGBps: 50, headerBytes: 16, coherent: true },
    { between: ['gpu0', 'gpu1'], kind: 'nvlink', latencyNs: 100, bandwidthGBps: 50, headerBytes: 16, coherent: true },
  ],
};
const machine = resolveConfig(MACHINE);
const THRESHOLD_PS = defaultWatchdogPs(machine.topology);

/** The test machine running coherence-random with `fields` (100 operations per node unless given). */
function randomConfig(fields: Record<string, unknown>): SimConfig {
  return { ...machine, workload: coherenceRandomWorkload({ opsPerNode: 100, ...fields }) };
}

/** Runs `config` and returns the NodeFailure it must end with. */
async function failure(config: SimConfig, seed: number, mode: RunMode): Promise<NodeFailure> {
  const error = await runError(config, { seed, mode });
  expect(error).toBeInstanceOf(NodeFailure);
  return error as NodeFailure;
}

/** The watchdog's head line: the failed node, the node the report names, the age of the oldest stuck transaction and the events it outlived. */
function watchdogHead(message: string): { failed: string; site: string; agePs: number; events: number } {
  const m = /^node (\w+) failed: (\w+): no progress for (\d+) ps \((\d+) events\) with \d+ transaction\(s\) outstanding/.exec(message);
  expect(m, message).not.toBeNull();
  return { failed: m![1]!, site: m![2]!, agePs: Number(m![3]), events: Number(m![4]) };
}

describe('coherence watchdog on node workers', () => {
  it('deterministic mode: a lost InvAck (sharer-drops-inv-ack) is reported by the timer at exactly the default threshold, with node, line, state and seed', async () => {
    const e = await failure(randomConfig({ testOnlyBrokenProtocol: 'sharer-drops-inv-ack' }), 3, 'deterministic');
    const head = watchdogHead(e.message);
    expect(head.site).toBe(head.failed);
    expect(e.nodeName).toBe(head.failed);
    // The writer waits in silence (the ack never comes): only the timer sees the age reach the threshold.
    expect(head.agePs).toBe(THRESHOLD_PS);
    expect(e.message).toMatch(/#\d+ (load|store) of 0x[0-9a-f]+ \(cache [A-Z]+_[A-Z]+/);
    expect(e.message).toMatch(/controllers:\n {2}cache@\w+ 0x[0-9a-f]+ [A-Z]+_[A-Z]+/);
    expect(e.message).toMatch(/\(seed 3\)$/);
  }, 30_000);

  it.each(['deterministic', 'free'] as const)('%s mode: a livelock (writeback-retries-forever) is reported within the threshold, with node, line, state and seed', async (mode) => {
    const e = await failure(randomConfig({ testOnlyBrokenProtocol: 'writeback-retries-forever', lines: 4, cacheLines: 1, storeFraction: 0.8 }), 2, mode);
    const head = watchdogHead(e.message);
    expect(head.site).toBe(head.failed);
    // A PutM / PutAck loop with a remote home moves the clock: caught at the threshold (plus at most one
    // loop turn in free mode). With the node's own directory the loop takes no simulated time: caught by
    // the event bound instead, sooner.
    if (head.events < MAX_COH_EVENTS_WITHOUT_PROGRESS) {
      expect(head.agePs).toBeGreaterThanOrEqual(THRESHOLD_PS);
      expect(head.agePs).toBeLessThan(THRESHOLD_PS + missPs(machine.topology));
    } else {
      expect(head.agePs).toBeLessThan(THRESHOLD_PS);
    }
    expect(e.message).toMatch(/#\d+ writeback of 0x[0-9a-f]+ \(cache MI_A/);
    expect(e.message).toMatch(/\(seed 2\)$/);
  }, 30_000);

  it('free mode: a lost InvAck is reported with the stuck lines and their states (by the watchdog, or once the run is quiescent)', async () => {
    const e = await failure(randomConfig({ testOnlyBrokenProtocol: 'sharer-drops-inv-ack' }), 3, 'free');
    expect(e.message).toMatch(/^node (\w+) failed: \1: (no progress for \d+ ps|deadlock: no events left) with \d+ transaction\(s\) outstanding/);
    expect(e.message).toMatch(/#\d+ (load|store|recall) of 0x[0-9a-f]+ \(cache [A-Z_]+/);
    expect(e.message).toMatch(/\(seed 3\)$/);
  }, 30_000);

  it.each(['deterministic', 'free'] as const)('%s mode: healthy runs (random with writebacks and recalls, a litmus test) do not trip the default threshold, and the timer adds at most one period of simulated time', async (mode) => {
    const options = watchdogOptions(machine.topology, undefined, true);
    const r = await runSimulation(randomConfig({ lines: 4, cacheLines: 2, flushesPer100Ops: 10 }), { seed: 1, mode });
    if (!coherenceRandom.owns(r.workload)) throw new Error('wrong workload kind');
    expect(r.workload.problems).toEqual([]);
    expect(r.workload.messagesByType.PutM).toBeGreaterThan(0);
    expect(r.workload.flushes).toBeGreaterThan(0);
    const lastOpPs = Math.max(...r.workload.perNode.map((n) => n.finishedPs));
    expect(r.simTimePs - lastOpPs).toBeLessThanOrEqual(options.periodPs + missPs(machine.topology));
    const litmus = await runSimulation({ ...machine, workload: litmusWorkload({ test: 'MP+fences', cacheLines: 1 }) }, { seed: 1, mode });
    expect(litmus.workload.verified).toBe(true);
  }, 40_000);

  it('the threshold comes from the workload spec (watchdogPs, validated) and reaches the workers', async () => {
    expect(coherenceRandomWorkload({ watchdogPs: 5_000_000 }).watchdogPs).toBe(5_000_000);
    expect(litmusWorkload({ test: 'CoRR', watchdogPs: 7 }).watchdogPs).toBe(7);
    expect(coherenceRandomWorkload({}).watchdogPs).toBeUndefined();
    for (const bad of [0, -1, 1.5]) expect(() => coherenceRandomWorkload({ watchdogPs: bad })).toThrow(/watchdogPs/);
    // 1 ps: the first miss anywhere is overdue (the timer fires 1 ps after it began).
    const e = await failure(randomConfig({ watchdogPs: 1 }), 1, 'deterministic');
    expect(watchdogHead(e.message).agePs).toBe(1);
  }, 30_000);

  it('cdmsim stress coherence: watchdogPs in the YAML and --watchdog-ps fail a seed with the watchdog report and the replay command', async () => {
    const cdmsim = runCli;
    const dir = mkdtempSync(join(tmpdir(), 'cdmsim-watchdog-'));
    const file = join(dir, 'machine.yaml');
    // JSON is YAML.
    writeFileSync(file, JSON.stringify({ ...MACHINE, workload: { kind: 'coherence-random', opsPerNode: 20, watchdogPs: 1 } }));
    const fromYaml = await cdmsim(['stress', 'coherence', '--config', file, '--seed', '1']);
    expect(fromYaml.code).toBe(4);
    expect(fromYaml.stdout).toMatch(/seed 1 failed: NodeFailure: node (\w+) failed: \1: no progress for 1 ps/);
    writeFileSync(file, JSON.stringify({ ...MACHINE, workload: { kind: 'coherence-random', opsPerNode: 20 } }));
    const fromFlag = await cdmsim(['stress', 'coherence', '--mode', 'free', '--config', file, '--seed', '2', '--watchdog-ps', '1']);
    expect(fromFlag.code).toBe(4);
    expect(fromFlag.stdout).toMatch(/seed 2 failed: NodeFailure: node (\w+) failed: \1: no progress for \d+ ps/);
    expect(fromFlag.stdout).toContain(`replay: npx cdmsim stress coherence --seed 2 --mode free --config ${file} --ops 3000 --lines 3 --watchdog-ps 1`);
  }, 40_000);
});
