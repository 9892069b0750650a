#!/usr/bin/env node
/**
 * The `cdmsim` command: a thin layer over @cdmsim/runtime. Every command
 * here is a documented library call plus printing; errors become one clear
 * message and a non-zero exit code, never a stack trace (unless --debug).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { join, resolve } from 'node:path';
import { CdmsimError, ConfigError, NodeFailure } from '@cdmsim/engine';
import { parseOverride, type SimConfig } from '@cdmsim/config';
import { coherenceRandom, configFormat, defaultConfig, DMIRROR_FLAVOURS, loadConfigFile, MAX_COHERENCE_CACHE_LINES, mmStress, SESSION_SABOTAGE_NAMES, type DmirrorFlavour, type SessionSabotageName } from '@cdmsim/workloads';
import { Simulation, collectGrid, enqueueGrid, loadSweepFile, resolveGrid, runGrid, runSweep, startQueueWorker, type GridOutcome, type RunMode, type WorkerCount } from '@cdmsim/runtime';
import { formatSummary } from './summary.js';
import { writeRunFiles } from './report-files.js';
import { withCountProgress, withProgressBar } from './progress.js';
import { formatSweepTable, writeSweepFiles } from './sweep-output.js';
import { formatGrid, writeGridFiles } from './sweep-grid-output.js';
import { formatCoherenceStress, runCoherenceStress } from './stress-coherence.js';
import { formatSimulatorCoherenceStress, runSimulatorCoherenceStress } from './stress-coherence-sim.js';
import { formatMmStress, runMmStressSeeds } from './stress-mm.js';
import { formatSimulatorMmStress, runSimulatorMmStress } from './stress-mm-sim.js';
import { engineOf, type SeedEngine } from './simulator-seeds.js';
import { formatHmmStress, runHmmStress } from './stress-hmm.js';

/** Events kept per node by `--trace` without a number. */
const DEFAULT_TRACE_EVENTS_PER_NODE = 200_000;

/** Exit codes of the command. */
export const EXIT = { ok: 0, failure: 1, badInput: 2, nodeFailed: 3, checkFailed: 4 } as const;

function parseSeed(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError('must be an integer from 0 to 4294967295');
  return n;
}

function parseCount(v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
  return n;
}

function parseSeedRange(v: string): number[] {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(v);
  if (!m) throw new InvalidArgumentError('expected N or A..B, e.g. 1..8');
  const a = parseSeed(m[1]!);
  const b = m[2] === undefined ? a : parseSeed(m[2]);
  if (b < a) throw new InvalidArgumentError('range end is before its start');
  if (b - a >= 10_000) throw new InvalidArgumentError('at most 10000 seeds');
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** Returns the machine of `--config` (default: the built-in one) with the `--set PATH=VALUE` overrides applied, validated. */
function loadConfig(file: string | undefined, sets: readonly string[] = []): SimConfig {
  const overrides = sets.map(parseOverride);
  return file === undefined ? defaultConfig(overrides) : loadConfigFile(file, overrides);
}

const setOption = () =>
  new Option(
    '--set <path=value>',
    'override a field of the config before it is validated (repeatable): keys joined by dots, list entries by [N] or [name], the value as in YAML, e.g. --set workload.accessesPerDevice=1000 --set cpus[cpu0].dram.latencyNs=120',
  )
    .argParser((v: string, previous: string[] = []) => [...previous, v])
    .default([]);

function parseWorkers(v: string): WorkerCount {
  if (v === 'auto') return 'auto';
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1 || n > 1024) throw new InvalidArgumentError('expected a worker count from 1 to 1024, or auto');
  return n;
}

const MODE_HELP =
  'sequential (one thread runs every node in time order: the reference), deterministic (parallel workers, results identical to sequential) or free (one worker per node, real races)';

const modeOption = () => new Option('--mode <mode>', MODE_HELP).choices(['sequential', 'deterministic', 'free']).default('deterministic');

/** The engine flags a command may take (--mode, and for deterministic mode --workers or --partition), each possibly absent. */
type EngineFlags = Partial<SeedEngine>;

/** True when a stress's flags ask for an engine (it then runs on the simulator, not in-process). */
const asksForEngine = (o: EngineFlags): boolean => o.mode !== undefined || o.workers !== undefined || o.partition !== undefined;

const partitionOption = () =>
  new Option('--partition <groups>', 'deterministic mode, instead of --workers: which nodes share a worker, groups separated by commas and nodes by + (e.g. cpu0+gpu0,cpu1+gpu1+gpu2+gpu3); results do not depend on it');

const workersOption = () =>
  new Option('--workers <n>', 'deterministic mode: worker threads the nodes are spread over (default: one per node; auto = min(cores, nodes)); results do not depend on it').argParser(parseWorkers);

const program = new Command()
  .name('cdmsim')
  .description('Simulate CPU nodes and GPUs on a cache-coherent bus with Linux-HMM-style device memory (CDM).')
  .option('--debug', 'print stack traces of unexpected errors')
  .showHelpAfterError()
  // Usage errors (unknown option, bad argument) exit like bad input: 2. Inherited by the commands below.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.badInput));

program
  .command('run')
  .description('run the workload of a machine (default: the built-in machine) and write results.json, links.csv, nodes.csv')
  .option('-c, --config <file>', 'machine + workload YAML file (default: built-in 2 CPU + 4 GPU machine)')
  .option('-s, --seed <n>', 'seed of every random choice', parseSeed, 1)
  .addOption(modeOption())
  .addOption(workersOption())
  .addOption(partitionOption())
  .addOption(setOption())
  .option('-o, --out <dir>', 'output directory', 'out')
  .option('--inject-crash <node>', 'make the named node worker throw mid-run (shows failure reporting)')
  .option('--trace [events]', 'also write trace.json (open in ui.perfetto.dev): the simulated timeline, at most EVENTS per node', (v) => parseSeed(v))
  .option('--quiet', 'print only the output directory')
  .action(async (opts: EngineFlags & { config?: string; set: string[]; seed: number; mode: RunMode; out: string; injectCrash?: string; trace?: number | true; quiet?: boolean }) => {
    const config = loadConfig(opts.config, opts.set);
    const sim = await Simulation.start(config, {
      seed: opts.seed,
      ...engineOf(opts),
      ...(opts.injectCrash !== undefined ? { injectCrash: opts.injectCrash } : {}),
      ...(opts.trace !== undefined ? { traceEventsPerNode: opts.trace === true ? DEFAULT_TRACE_EVENTS_PER_NODE : opts.trace } : {}),
    });
    const result = await withProgressBar(sim, !opts.quiet);
    const files = writeRunFiles(result, resolve(opts.out));
    if (!opts.quiet) process.stdout.write(formatSummary(result));
    process.stdout.write(`\nwrote ${files.join(', ')}\n`);
    if (!result.workload.verified) process.exitCode = EXIT.checkFailed;
  });

program
  .command('validate')
  .description('check machine files; print each problem as FILE:LINE:COL: FIELD: what is wrong')
  .argument('<files...>', 'YAML files to check')
  .addOption(setOption())
  .action((files: string[], opts: { set: string[] }) => {
    const overrides = opts.set.map(parseOverride);
    let bad = 0;
    for (const file of files) {
      try {
        const c = loadConfigFile(file, overrides);
        process.stdout.write(`${file}: ok (${c.topology.cpus.length} CPU nodes, ${c.topology.devices.length} devices, ${c.topology.links.length} links)\n`);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        bad++;
        process.stderr.write(`${e.message}\n`);
      }
    }
    if (bad > 0) process.exitCode = EXIT.badInput;
  });

program
  .command('sweep')
  .description('run a parameter grid (FILE: machines × axes × seeds, one directory per point, sweep.csv, report.html) or, without FILE, many seeds of one config; a piscina pool of whole simulations')
  .argument('[file]', 'sweep file (YAML): config or machines, set, axes, seeds, mode, workers, metric (see the README)')
  .option('-c, --config <file>', 'without FILE: machine + workload YAML file (default: built-in machine)')
  .option('--seeds <range>', 'without FILE: seeds to run, N or A..B', parseSeedRange, [1, 2, 3, 4])
  .addOption(modeOption())
  .addOption(workersOption())
  .addOption(setOption())
  .option('-j, --jobs <n>', 'simulations at once (default: half the CPUs, at least 1)', (v) => parseCount(v, 1, 1024))
  .option('-o, --out <dir>', 'output directory', 'out/sweep')
  .option('--queue <url>', 'with FILE: enqueue every point as a BullMQ job on the Redis server at redis://HOST:PORT for `cdmsim worker` processes on any machine, then exit')
  .option('--collect', 'with FILE and --queue: wait until every point of the sweep is done in the queue and write the same files as a local sweep')
  .option('--timeout <seconds>', 'with --collect: give up after this long', (v) => parseCount(v, 1, 7 * 24 * 3600))
  .action(async (file: string | undefined, opts: { config?: string; set: string[]; seeds: number[]; mode: RunMode; workers?: WorkerCount; jobs?: number; out: string; queue?: string; collect?: boolean; timeout?: number }, cmd: Command) => {
    const pool = opts.jobs !== undefined ? { maxThreads: opts.jobs } : {};
    if (file === undefined && (opts.queue !== undefined || opts.collect)) throw new ConfigError('--queue and --collect need a sweep FILE');
    if (opts.collect && opts.queue === undefined) throw new ConfigError('--collect needs --queue redis://HOST:PORT');
    if (file !== undefined) {
      const clash = ['config', 'seeds', 'mode', 'workers', 'set'].filter((o) => cmd.getOptionValueSource(o) === 'cli');
      if (clash.length > 0) throw new ConfigError(`sweep ${file}: ${clash.map((o) => `--${o}`).join(', ')} belong in the sweep file`);
      const plan = loadSweepFile(file);
      const points = resolveGrid(plan);
      if (opts.queue !== undefined && !opts.collect) {
        const q = await enqueueGrid(points, opts.queue);
        process.stdout.write(`sweep ${q.sweep}: ${q.added} of ${q.total} points queued on ${opts.queue} (${q.total - q.added} were already there)\n` + `run workers with: npx cdmsim worker --queue ${opts.queue}\ncollect with:     npx cdmsim sweep ${file} --queue ${opts.queue} --collect\n`);
        return;
      }
      const queue = opts.queue;
      const outcomes = await withCountProgress('sweeping', 'points', points.length, (onDone) => {
        const onPoint = (o: GridOutcome): void => onDone(!o.result || !o.result.workload.verified);
        return queue !== undefined ? collectGrid(points, queue, { onPoint, ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout * 1000 } : {}) }) : runGrid(points, { ...pool, onPoint });
      });
      const out = resolve(opts.out);
      const files = writeGridFiles(plan, outcomes, out);
      process.stdout.write(formatGrid(plan, outcomes));
      process.stdout.write(`\nwrote ${points.length} point directories under ${join(out, 'points')}, ${files.join(', ')}\n`);
      if (outcomes.some((o) => !o.result)) process.exitCode = EXIT.nodeFailed;
      else if (outcomes.some((o) => !o.result!.workload.verified)) process.exitCode = EXIT.checkFailed;
      return;
    }
    const config = loadConfig(opts.config, opts.set);
    const rows = await runSweep(
      opts.seeds.map((seed) => ({ config, seed, ...engineOf(opts) })),
      pool,
    );
    process.stdout.write(formatSweepTable(rows));
    process.stdout.write(`\nwrote ${writeSweepFiles(rows, resolve(opts.out)).join(', ')}\n`);
    if (rows.some((r) => !r.verified)) process.exitCode = EXIT.checkFailed;
  });

program
  .command('worker')
  .description('take sweep points from a BullMQ queue on Redis and run each in a piscina pool, until stopped (SIGINT or SIGTERM)')
  .requiredOption('--queue <url>', 'the Redis server of the queue: redis://HOST:PORT')
  .option('-j, --jobs <n>', 'points run at once (default: half the CPUs, at least 1)', (v) => parseCount(v, 1, 1024))
  .option('--lock-ms <ms>', 'lock of a running point: if this worker dies, its point goes back to the queue after about this long', (v) => parseCount(v, 1000, 3_600_000), 30_000)
  .action(async (opts: { queue: string; jobs?: number; lockMs: number }) => {
    const worker = await startQueueWorker(opts.queue, {
      ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
      lockMs: opts.lockMs,
      onEvent: (event, d, detail) => process.stdout.write(`${event} sweep ${d.sweep} point ${d.index} (${d.label})${detail ? `: ${detail}` : ''}\n`),
    });
    process.stdout.write(`worker ready on ${opts.queue}\n`);
    await new Promise<void>((resolveStop) => {
      const stop = (): void => resolveStop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await worker.close();
  });

const stress = program.command('stress').description('seeded stress tests with invariant checks; a failure prints the seed and the command that replays it');

/** Options every stress command takes: which seeds, and how many operations per seed. */
interface StressSeedOptions {
  seed?: number;
  seeds: number[];
  ops: number;
}

const CHECK_REPLAY_HELP = 'with the simulator in deterministic mode: rerun every passing seed with random thread delays; the seed fails unless the event-log hash is the same (results must not depend on thread timing)';

/** Rejects --check-replay outside deterministic mode as bad input (exit 2). */
function checkReplayMode(checkReplay: boolean | undefined, mode: RunMode): void {
  if (checkReplay !== true || mode === 'deterministic') return;
  process.stderr.write(`cdmsim: --check-replay needs --mode deterministic: ${mode === 'free' ? 'free-mode runs are not meant to replay' : 'a sequential run has no thread timing to shake'}\n`);
  process.exit(EXIT.badInput);
}

/** Help of a stress command's --mode (without --mode, another simulator option runs it in deterministic mode). */
const SIM_MODE_HELP = 'run on the simulator (node workers, protobuf bus) in this mode: sequential, deterministic or free';

/** Adds a stress subcommand with --seed, --seeds and --ops; `run(seeds, opts)` returns (or resolves to) whether every seed passed. */
function stressCommand<O extends StressSeedOptions>(name: string, description: string, defaultOps: number, run: (seeds: number[], opts: O) => boolean | Promise<boolean>): Command {
  return stress
    .command(name)
    .description(description)
    .option('--seed <n>', 'run this one seed', parseSeed)
    .option('--seeds <range>', 'seeds to run, N or A..B', parseSeedRange, [1, 2, 3, 4, 5, 6, 7, 8])
    .option('--ops <n>', 'operations per seed', (v) => parseCount(v, 1, 10_000_000), defaultOps)
    .action(async (opts: O) => {
      if (!(await run(opts.seed !== undefined ? [opts.seed] : opts.seeds, opts))) process.exitCode = EXIT.checkFailed;
    });
}

stressCommand<StressSeedOptions & EngineFlags & { agents: number; lines: number; config?: string; cacheLines?: number; watchdogPs?: number; checkReplay?: boolean }>(
  'coherence',
  'random tester of the MOESI directory protocol: CPU and GPU caches racing on a few lines (in-process, deterministic network; with --mode, on the real simulator: node workers and the bus)',
  3000,
  async (seeds, opts) => {
    if (asksForEngine(opts) || opts.config !== undefined || opts.cacheLines !== undefined || opts.watchdogPs !== undefined || opts.checkReplay === true) {
      const mode = opts.mode ?? 'deterministic';
      checkReplayMode(opts.checkReplay, mode);
      const reports = await withCountProgress('stress', 'seeds', seeds.length, (onSeed) => runSimulatorCoherenceStress({
        seeds,
        onSeed: (ok) => onSeed(!ok),
        ...engineOf({ ...opts, mode }),
        config: loadConfig(opts.config),
        ...(opts.config !== undefined ? { configFile: opts.config } : {}),
        ops: opts.ops,
        lines: opts.lines,
        ...(opts.cacheLines !== undefined ? { cacheLines: opts.cacheLines } : {}),
        ...(opts.watchdogPs !== undefined ? { watchdogPs: opts.watchdogPs } : {}),
        checkReplay: opts.checkReplay === true,
      }));
      process.stdout.write(formatSimulatorCoherenceStress(reports, mode, opts.checkReplay === true));
      return reports.every((r) => r.ok);
    }
    const reports = await withCountProgress('stress', 'seeds', seeds.length, (onSeed) => runCoherenceStress({ seeds, agents: opts.agents, lines: opts.lines, ops: opts.ops }, (ok) => onSeed(!ok)));
    process.stdout.write(formatCoherenceStress(reports));
    return reports.every((r) => r.ok);
  },
)
  .option('--agents <n>', 'caches (the first half CPUs, the rest GPUs)', (v) => parseCount(v, 2, 64), 6)
  .option('--lines <n>', 'distinct lines they race on', (v) => parseCount(v, 1, 4096), 3)
  .addOption(new Option('--mode <mode>', `${SIM_MODE_HELP}; --ops is then split over the nodes and --agents is the machine's node count`).choices(['sequential', 'deterministic', 'free']))
  .addOption(workersOption())
  .addOption(partitionOption())
  .option('-c, --config <file>', `with the simulator: machine YAML (default: built-in machine); its ${coherenceRandom.kind} workload is used as is, any other is replaced by one`)
  .option('--cache-lines <n>', 'with the simulator: shrink every node\'s cache to N lines (one fully associative set) so evictions and writebacks cross the bus', (v) => parseCount(v, 1, MAX_COHERENCE_CACHE_LINES))
  .option('--watchdog-ps <n>', 'with the simulator: a node\'s coherence transaction outstanding this many simulated ps fails the seed as a deadlock/livelock (default: from the topology)', (v) => parseCount(v, 1, Number.MAX_SAFE_INTEGER))
  .option('--check-replay', CHECK_REPLAY_HELP);

stressCommand<StressSeedOptions & EngineFlags & { config?: string; checkReplay?: boolean }>(
  'mm',
  'seeded stress of the memory manager: processes, faults, fork, migrations to CDM and device-private memory, memcg, GUP, with invariant checks after every step (in-process; with --mode, on the real simulator: processes on every CPU-node worker, drivers on the device workers)',
  500,
  async (seeds, opts) => {
    if (asksForEngine(opts) || opts.config !== undefined || opts.checkReplay === true) {
      const mode = opts.mode ?? 'deterministic';
      checkReplayMode(opts.checkReplay, mode);
      const reports = await withCountProgress('stress', 'seeds', seeds.length, (onSeed) => runSimulatorMmStress({
        seeds,
        onSeed: (ok) => onSeed(!ok),
        ...engineOf({ ...opts, mode }),
        ...(opts.config !== undefined ? { config: loadConfig(opts.config), configFile: opts.config } : {}),
        ops: opts.ops,
        checkReplay: opts.checkReplay === true,
      }));
      process.stdout.write(formatSimulatorMmStress(reports, mode, opts.checkReplay === true));
      return reports.every((r) => r.ok);
    }
    const reports = await withCountProgress('stress', 'seeds', seeds.length, (onSeed) => runMmStressSeeds(seeds, opts.ops, (ok) => onSeed(!ok)));
    process.stdout.write(formatMmStress(reports));
    return reports.every((r) => r.ok);
  },
)
  .addOption(new Option('--mode <mode>', `${SIM_MODE_HELP}; --ops is then per CPU node`).choices(['sequential', 'deterministic', 'free']))
  .addOption(workersOption())
  .addOption(partitionOption())
  .option('-c, --config <file>', `with the simulator: machine YAML with an ${mmStress.kind} workload (default: the built-in examples/mm-stress.yaml machine)`)
  .option('--check-replay', CHECK_REPLAY_HELP);

stressCommand<StressSeedOptions & EngineFlags & { mode: RunMode; flavour: DmirrorFlavour; trace?: boolean; testOnlySabotage?: SessionSabotageName }>(
  'hmm',
  'seeded page-migration oracle on the real simulator: processes and the dmirror test devices read and write buffers while pages migrate both ways, drivers evict, devices release, processes fork, unmap and exit; every read is checked against the value the model says it must see (--ops = steps of up to 4 concurrent commands)',
  200,
  async (seeds, opts) => {
    const reports = await withCountProgress('stress', 'seeds', seeds.length, (onSeed) => runHmmStress({
      seeds,
      ops: opts.ops,
      ...engineOf(opts),
      flavour: opts.flavour,
      ...(opts.testOnlySabotage !== undefined ? { sabotage: opts.testOnlySabotage } : {}),
      onSeed: (ok) => onSeed(!ok),
      ...(opts.trace === true ? { trace: (line: string) => process.stderr.write(`${line}\n`) } : {}),
    }));
    process.stdout.write(formatHmmStress(reports, opts.mode));
    return reports.every((r) => r.ok);
  },
)
  .addOption(new Option('--mode <mode>', SIM_MODE_HELP).choices(['sequential', 'deterministic', 'free']).default('deterministic'))
  .addOption(workersOption())
  .addOption(partitionOption())
  .addOption(new Option('--flavour <flavour>', 'the devices\' memory: private (device-private on both), coherent (device-coherent on both) or mixed (gpu0 private, gpu1 coherent)').choices([...DMIRROR_FLAVOURS]).default('mixed'))
  .option('--trace', 'print each step\'s commands on stderr before it runs')
  .addOption(new Option('--test-only-sabotage <name>', 'TEST ONLY: break a rule so the checks must fail').choices([...SESSION_SABOTAGE_NAMES]).hideHelp());

program
  .command('schema')
  .description('print the JSON Schema of the machine file format (for editor completion)')
  .action(() => {
    process.stdout.write(configFormat.jsonSchemaText());
  });

/** Prints `e` for people and sets the exit code; stack traces only with --debug. */
function reportError(e: unknown): void {
  const debug = program.opts<{ debug?: boolean }>().debug === true;
  if (e instanceof ConfigError) {
    process.stderr.write(`cdmsim: invalid configuration:\n${e.message}\n`);
    process.exitCode = EXIT.badInput;
  } else if (e instanceof NodeFailure) {
    process.stderr.write(`cdmsim: ${e.message}\n`);
    if (debug && e.causeStack) process.stderr.write(`${e.causeStack}\n`);
    process.exitCode = EXIT.nodeFailed;
  } else if (e instanceof CdmsimError || e instanceof Error) {
    process.stderr.write(`cdmsim: ${e.message}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = EXIT.failure;
  } else {
    process.stderr.write(`cdmsim: ${String(e)}\n`);
    process.exitCode = EXIT.failure;
  }
}

program.parseAsync(process.argv).catch(reportError);
