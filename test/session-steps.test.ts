/**
 * Interactive sessions on workers (`Simulation.step`): commands reach their
 * node at the simulation's current time, every step runs to quiescence and
 * the next one continues from there, in every mode (free mode included:
 * its quiescence detection restarts per step); bad commands are refused
 * with a message naming what is wrong, and a run ends normally after steps.
 */
import { describe, expect, it } from 'vitest';
import { Simulation, runSimulation } from '@cdmsim/runtime';
import { sessionConfig } from '@cdmsim/workloads';
import { HmmSession } from 'cdmsim';
import { smallConfig } from './helpers.js';

const EINVAL = 22;
const ESRCH = 3;

describe('Simulation.step', () => {
  it.each(['sequential', 'deterministic', 'free'] as const)('%s: steps continue in simulated time and the run ends with a verified outcome', async (mode) => {
    const s = await HmmSession.start({ flavour: 'coherent', mode });
    const before = Math.max(...s.simulation.progress().nodeTimesPs);
    const p = await s.spawn();
    const { va } = await p.mmap(8 * s.pageSize);
    expect((await p.write(va!, new Uint8Array(8 * s.pageSize).fill(3))).errno).toBe(0);
    const afterWrite = Math.max(...s.simulation.progress().nodeTimesPs);
    const r = await s.device(1).read(p, va!, 8);
    expect([r.errno, r.cpages, r.faults]).toEqual([0, 8, 1]);
    expect(r.data!.every((b) => b === 3)).toBe(true);
    expect(Math.max(...s.simulation.progress().nodeTimesPs)).toBeGreaterThan(afterWrite);
    expect(afterWrite).toBeGreaterThan(before);
    const result = await s.close();
    expect(result.workload.verified).toBe(true);
    expect(result.simTimePs).toBeGreaterThan(afterWrite);
  });

  it('migrating memory nobody touched allocates device pages directly: no DMA copy (zero copy on first touch); touched pages are copied', async () => {
    const s = await HmmSession.start({ flavour: 'private', mode: 'sequential' });
    const p = await s.spawn();
    const { va } = await p.mmap(8 * s.pageSize);
    expect((await p.write(va!, new Uint8Array(2 * s.pageSize).fill(9))).errno).toBe(0); // pages 0 and 1 touched
    const r = await s.device('gpu0').migrateToDevice(p, va!, 8);
    expect([r.errno, r.cpages]).toEqual([0, 8]);
    expect(r.data!.subarray(0, 2 * s.pageSize).every((b) => b === 9)).toBe(true);
    expect(r.data!.subarray(2 * s.pageSize).every((b) => b === 0)).toBe(true);
    expect((await p.exit()).errno).toBe(0);
    const result = await s.close();
    const gpu0 = result.nodes.find((n) => n.name === 'gpu0')!.workload as { driver: { allocated: number; pagesCopied: number } };
    expect(gpu0.driver.allocated).toBe(8);
    expect(gpu0.driver.pagesCopied).toBe(2);
  });

  it('bad arguments are errnos, and the session goes on', async () => {
    const s = await HmmSession.start({ mode: 'sequential' });
    const p = await s.spawn();
    const { va } = await p.mmap(4 * s.pageSize);
    expect((await s.device(0).read(p, va! + 1, 1)).errno).toBe(EINVAL); // not page-aligned
    expect((await s.device(0).write(p, va!, new Uint8Array(10))).errno).toBe(EINVAL); // not whole pages
    expect((await p.munmap(va! + 3, s.pageSize)).errno).toBe(EINVAL);
    const ghost = await s.run({ node: p.node, command: { op: 'read', pid: 999, va: va!, size: 4 }, map: (raw) => raw as { errno: number } });
    expect(ghost.errno).toBe(ESRCH);
    expect((await s.device(0).read(p, va!, 4)).errno).toBe(0);
    expect((await s.close()).workload.verified).toBe(true);
  });

  it('a command for no node is refused before anything runs; the session goes on', async () => {
    const sim = await Simulation.start(sessionConfig(), { mode: 'sequential' });
    await expect(sim.step([{ node: 7 as never, command: { op: 'spawn' } }])).rejects.toThrow(/no node 7 \(nodes 0\.\.2: cpu0, gpu0, gpu1\)/);
    const [r] = await sim.step([{ node: 0 as never, command: { op: 'spawn' } }]);
    expect(r).toMatchObject({ errno: 0 });
    const result = await sim.run();
    expect(result.workload.verified).toBe(true);
  });

  it('a workload without session commands fails the step naming the node, and stops the workers', async () => {
    const sim = await Simulation.start(smallConfig(), { mode: 'sequential' });
    await expect(sim.step([{ node: 0 as never, command: { op: 'spawn' } }])).rejects.toThrow(/node cpu0 failed: node cpu0: the shared-buffer workload takes no session commands/);
    await expect(sim.run()).rejects.toThrow(/already ran or was stopped/);
  });

  it('HmmSession refuses a config without the session workload', async () => {
    await expect(HmmSession.start({ config: smallConfig() as never })).rejects.toThrow(/HmmSession needs a session workload \(workload.kind: session\), not shared-buffer/);
  });

  it('a session with no command is an empty run', async () => {
    const r = await runSimulation(sessionConfig('private'), { mode: 'sequential' });
    expect(r.workload).toMatchObject({ kind: 'session', verified: true, rangeFaults: 0 });
    expect(r.simTimePs).toBe(0);
  });
});
