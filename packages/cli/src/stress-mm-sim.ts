/**
 * `cdmsim stress mm --mode deterministic|free`: the mm stress on the real
 * simulator — processes on every CPU-node worker and device drivers on the
 * device workers, page state in shared memory, driver calls as bus
 * messages — one simulation per seed. Each CPU node checks data and
 * invariants after every operation; at the end every device page must be
 * idle and every memcg at zero. A failure prints the seed and the command
 * that replays it.
 */
import Table from 'cli-table3';
import { performance } from 'node:perf_hooks';
import { formatPs, toErrorData } from '@cdmsim/engine';
import { mmStressConfig, type SimConfig } from '@cdmsim/config';
import { runSimulation, type RunMode } from '@cdmsim/runtime';

/** Options of a simulator-backed mm stress. */
export interface SimulatorMmStressOptions {
  readonly seeds: readonly number[];
  readonly mode: RunMode;
  /** The machine (default: the built-in mm-stress machine); its workload must be mm-stress. */
  readonly config?: SimConfig;
  /** The `--config` file, for replay commands (undefined = built-in machine). */
  readonly configFile?: string;
  /** Operations per CPU node (overrides the workload's `opsPerCpu`). */
  readonly ops?: number;
}

/** What one seed did on the simulator. */
export interface SimulatorMmReport {
  readonly seed: number;
  readonly ok: boolean;
  readonly operations: number;
  readonly toDevice: number;
  readonly toRam: number;
  readonly deviceFaults: number;
  readonly evicted: number;
  readonly checks: number;
  readonly simulatedPs: number;
  readonly wallMs: number;
  readonly eventLogHash: string;
  readonly replay: string;
  readonly error?: { readonly name: string; readonly message: string };
}

/** Returns the machine with its mm-stress workload's `opsPerCpu` set to `ops` (when given). */
export function mmStressSimConfig(o: SimulatorMmStressOptions): SimConfig {
  const config = o.config ?? mmStressConfig();
  if (config.workload.kind !== 'mm-stress') throw new Error(`${config.source}: workload.kind is ${config.workload.kind}; stress mm --mode needs an mm-stress workload (see examples/mm-stress.yaml)`);
  return o.ops === undefined ? config : { ...config, workload: { ...config.workload, opsPerCpu: o.ops } };
}

/** Returns the command that replays one seed. */
export function mmReplayCommand(o: SimulatorMmStressOptions, seed: number, ops: number): string {
  const config = o.configFile === undefined ? '' : ` --config ${o.configFile}`;
  return `npx cdmsim stress mm --seed ${seed} --mode ${o.mode}${config} --ops ${ops}`;
}

/** Runs one simulation per seed, in order; never throws for a failing seed (its report says why). */
export async function runSimulatorMmStress(o: SimulatorMmStressOptions): Promise<SimulatorMmReport[]> {
  const config = mmStressSimConfig(o);
  const ops = config.workload.kind === 'mm-stress' ? config.workload.opsPerCpu : 0;
  const reports: SimulatorMmReport[] = [];
  for (const seed of o.seeds) {
    const replay = mmReplayCommand(o, seed, ops);
    const t0 = performance.now();
    try {
      const r = await runSimulation(config, { seed, mode: o.mode });
      const w = r.workload;
      if (w.kind !== 'mm-stress') throw new Error(`expected an mm-stress outcome, got ${w.kind}`);
      reports.push({
        seed,
        ok: w.verified,
        operations: Object.entries(w.operations).reduce((s, [k, n]) => s + (k === 'noop' ? 0 : n), 0),
        toDevice: w.pagesToPublic + w.pagesToPrivate,
        toRam: w.pagesToRam,
        deviceFaults: w.deviceFaults,
        evicted: w.evictedPages,
        checks: w.checks,
        simulatedPs: r.simTimePs,
        wallMs: r.host.wallMs,
        eventLogHash: r.eventLogHash,
        replay,
        ...(w.verified ? {} : { error: { name: 'CheckFailed', message: `${w.problems.join('; ')} (seed ${seed})` } }),
      });
    } catch (e) {
      const data = toErrorData(e);
      reports.push({ seed, ok: false, operations: 0, toDevice: 0, toRam: 0, deviceFaults: 0, evicted: 0, checks: 0, simulatedPs: 0, wallMs: performance.now() - t0, eventLogHash: '', replay, error: { name: data.name, message: data.message } });
    }
  }
  return reports;
}

/** Returns the text printed for the reports: a table, a summary line, then each failure with its replay command. */
export function formatSimulatorMmStress(reports: readonly SimulatorMmReport[], mode: RunMode): string {
  const t = new Table({ head: ['seed', 'operations', 'pages to device', 'pages to RAM', 'device-private faults', 'evicted', 'checks', 'simulated time', 'wall', 'event-log hash', 'result'] });
  for (const r of reports) {
    t.push([r.seed, r.operations, r.toDevice, r.toRam, r.deviceFaults, r.evicted, r.checks, formatPs(r.simulatedPs), `${(r.wallMs / 1000).toFixed(2)} s`, r.eventLogHash, r.ok ? 'ok' : 'FAILED']);
  }
  const failures = reports.filter((r) => !r.ok);
  const lines = failures.map((r) => `seed ${r.seed} failed: ${r.error?.name}: ${r.error?.message}\n  replay: ${r.replay}`);
  return `${t.toString()}\n${reports.length - failures.length}/${reports.length} seeds passed every check on the simulator (${mode} mode)\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}
