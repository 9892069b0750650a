/**
 * The result of one run, as written to `results.json`. Everything outside
 * the `host` object depends only on config + seed in the deterministic
 * modes, so two identical runs, a sequential and a deterministic run, or
 * deterministic runs on any number of workers produce byte-identical JSON
 * once `host` is removed. How the run was executed (mode, workers, rounds,
 * rings, locks) is in `host`.
 */
import { hostname, cpus } from 'node:os';
import { combineHex, type NodeId, type Ps } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import type { KindTraffic, LinkDirectionStats } from '@cdmsim/bus';
import type { RunMode, SchedulerStats, TraceEvent } from '@cdmsim/kernel';
import type { TransportStats } from '@cdmsim/bus';
import type { LockStats } from '@cdmsim/shm';
import type { SharedState } from '@cdmsim/platform';
import { workloadOf, type WorkloadOutcome } from '@cdmsim/workloads';
import type { NodeReport } from './node-model.js';
import type { WorkerReport } from './worker-runner.js';
import type { CodeCacheUse } from './worker-bundle-files.js';
import type { WorkerScript } from './worker-script.js';

/** Version of the results.json format and of cdmsim that wrote it. */
export const RESULTS_VERSION = '0.1.0';

/** One direction of a link, with its utilisation over the run. */
export interface LinkDirectionReport {
  readonly from: string;
  readonly to: string;
  readonly messages: number;
  readonly bytes: number;
  readonly busyPs: Ps;
  /** busyPs / simTimePs: fraction of the run the direction was serialising. */
  readonly utilization: number;
  readonly queueDelayPs: Ps;
  readonly maxQueueDelayPs: Ps;
  readonly byKind: Partial<Record<string, KindTraffic>>;
}

/** Traffic of one link, both directions. */
export interface LinkReport {
  readonly id: number;
  readonly name: string;
  readonly kind: string;
  readonly a: string;
  readonly b: string;
  readonly messages: number;
  readonly bytes: number;
  readonly directions: readonly LinkDirectionReport[];
}

/** How the deterministic rounds went (`host.scheduler`). */
export interface SchedulerFigures {
  /** Barrier rounds (0 in sequential and free mode). */
  readonly rounds: number;
  /** Events processed per round, all nodes (events when there are no rounds). */
  readonly eventsPerRound: number;
  /** Wall-clock microseconds per round (the whole run's wall time when there are no rounds). */
  readonly wallUsPerRound: number;
  /** Mean share of the workers that took part in a round (1 = every worker busy every round). */
  readonly busyWorkerShare: number;
  /** Wall time / simulated time: how many seconds of host time one simulated second took. */
  readonly slowdown: number;
}

/** One worker thread: its nodes and how its scheduler and rings went. */
export interface WorkerFigures {
  readonly nodes: readonly string[];
  readonly scheduler: SchedulerStats;
  /** Ring traffic of each node (only what crossed to other workers). */
  readonly transport: Readonly<Record<string, TransportStats>>;
  /** Page/PTE lock statistics per node (free mode). */
  readonly locks?: Readonly<Record<string, LockStats>>;
}

/** Facts about the host run that legitimately vary between identical runs. */
export interface HostInfo {
  /** The engine that ran: `sequential`, `deterministic` or `free`. */
  readonly mode: RunMode;
  /** Worker threads (1 in sequential mode). */
  readonly workers: number;
  readonly scheduler: SchedulerFigures;
  readonly workerDetails: readonly WorkerFigures[];
  readonly wallMs: number;
  readonly startupMs: number;
  /** What the workers started from: `bundle` (one file, the build's) or `modules` (the import graph: the bundle was missing or older than the code). */
  readonly workerScript: WorkerScript['kind'];
  /** Whether the workers compiled the bundle with the build's V8 code cache: `used`, `rejected` (another Node or other V8 flags: compiled as usual) or `none`. */
  readonly workerCodeCache: CodeCacheUse;
  readonly hostname: string;
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly cpuCount: number;
  /** Host bytes of shared simulation state by kind (frame directory and records, contents, page tables, rings). */
  readonly sharedStateBytes: Record<string, number>;
  readonly hostBytesPerTouchedFrame: number;
  readonly hostBytesPerUntouchedFrame: number;
  readonly rssBytes: number;
  /** Simulated events per wall-clock second (all nodes). */
  readonly eventsPerSecond: number;
}

/** What `results.json` holds. */
export interface RunResult {
  readonly version: string;
  readonly config: SimConfig;
  readonly seed: number;
  readonly simTimePs: Ps;
  readonly eventLogHash: string;
  readonly totals: {
    readonly events: number;
    readonly messages: number;
    readonly linkBytes: number;
    readonly touchedFrames: number;
  };
  readonly workload: WorkloadOutcome;
  readonly links: readonly LinkReport[];
  readonly nodes: readonly NodeReport[];
  readonly host: HostInfo;
  /**
   * The Chrome / Perfetto trace of the simulated timeline, when requested
   * (`traceEventsPerNode`); written to its own file, not to results.json.
   */
  readonly trace?: { readonly traceEvents: TraceEvent[]; readonly droppedEvents: number; readonly displayTimeUnit: 'ns' };
}

/** Inputs of `buildRunResult`. */
export interface RunFacts {
  readonly config: SimConfig;
  readonly seed: number;
  readonly mode: RunMode;
  /** The worker hosting each node. */
  readonly workerOf: readonly number[];
  readonly reports: readonly WorkerReport[];
  readonly shared: SharedState;
  readonly wallMs: number;
  readonly startupMs: number;
  readonly workerScript: WorkerScript['kind'];
  readonly workerCodeCache: CodeCacheUse;
}

/** Returns the run result assembled from every node's report (node order). */
export function buildRunResult(facts: RunFacts): RunResult {
  const { config } = facts;
  const reports = facts.reports.flatMap((w) => w.nodes).sort((a, b) => a.id - b.id);
  const simTimePs = Math.max(0, ...reports.map((r) => r.kernel.lastEventPs));
  const names = config.topology.nodes.map((n) => n.name);
  const directions = reports.flatMap((r) => r.links);
  const links = config.topology.links.map((spec): LinkReport => {
    const dirs = directions
      .filter((d) => d.link === spec.id)
      .sort((x, y) => x.from - y.from)
      .map((d) => directionReport(d, names, simTimePs));
    return {
      id: spec.id,
      name: spec.name,
      kind: spec.kind,
      a: names[spec.a]!,
      b: names[spec.b]!,
      messages: dirs.reduce((s, d) => s + d.messages, 0),
      bytes: dirs.reduce((s, d) => s + d.bytes, 0),
      directions: dirs,
    };
  });
  const events = reports.reduce((s, r) => s + r.kernel.eventsProcessed, 0);
  const workload = workloadOutcome(facts, reports);
  const memory = facts.shared.hostBytes();
  const totalFrames = facts.shared.totalFrames;
  const touched = reports.reduce((s, r) => s + r.framesTouched, 0);
  return {
    version: RESULTS_VERSION,
    config,
    seed: facts.seed,
    simTimePs,
    eventLogHash: combineHex(reports.map((r) => r.eventLogHash)),
    totals: {
      events,
      messages: reports.reduce((s, r) => s + r.kernel.messagesSent, 0),
      linkBytes: links.reduce((s, l) => s + l.bytes, 0),
      touchedFrames: touched,
    },
    workload,
    links,
    nodes: reports.map(({ trace: _trace, ...rest }) => rest),
    host: {
      mode: facts.mode,
      workers: facts.reports.length,
      scheduler: schedulerFigures(facts, events, simTimePs),
      workerDetails: facts.reports.map(workerFigures),
      wallMs: facts.wallMs,
      startupMs: facts.startupMs,
      workerScript: facts.workerScript,
      workerCodeCache: facts.workerCodeCache,
      hostname: hostname(),
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpuCount: cpus().length,
      sharedStateBytes: memory,
      hostBytesPerTouchedFrame: touched > 0 ? (memory.frameRecords! + memory.content! + memory.pageTables!) / touched : 0,
      hostBytesPerUntouchedFrame: memory.frameDirectory! / totalFrames,
      rssBytes: process.memoryUsage().rss,
      eventsPerSecond: events / (facts.wallMs / 1000),
    },
    ...(reports.some((r) => r.trace)
      ? {
          trace: {
            traceEvents: reports.flatMap((r) => r.trace?.events ?? []),
            droppedEvents: reports.reduce((s, r) => s + (r.trace?.dropped ?? 0), 0),
            displayTimeUnit: 'ns' as const,
          },
        }
      : {}),
  };
}

/** Returns the run's workload outcome: the registered workload combines every node's share (node order). */
function workloadOutcome(facts: RunFacts, reports: readonly NodeReport[]): WorkloadOutcome {
  const shares = reports.map((r) => ({ name: r.name, share: r.workload }));
  return workloadOf(facts.config.workload.kind).outcome(facts.config, shares, facts.shared) as WorkloadOutcome;
}

function schedulerFigures(facts: RunFacts, events: number, simTimePs: Ps): SchedulerFigures {
  const rounds = facts.shared.sync.rounds;
  const workerRounds = facts.reports.reduce((s, w) => s + w.engine.scheduler.rounds, 0);
  const steps = Math.max(1, rounds);
  return {
    rounds,
    eventsPerRound: events / steps,
    wallUsPerRound: (facts.wallMs * 1000) / steps,
    busyWorkerShare: rounds > 0 ? workerRounds / (rounds * facts.reports.length) : 1,
    slowdown: simTimePs > 0 ? (facts.wallMs * 1e9) / simTimePs : 0,
  };
}

function workerFigures(w: WorkerReport): WorkerFigures {
  const locks = w.engine.nodes.filter((n) => n.locks);
  return {
    nodes: w.engine.nodes.map((n) => n.name),
    scheduler: w.engine.scheduler,
    transport: Object.fromEntries(w.engine.nodes.map((n) => [n.name, n.transport])),
    ...(locks.length > 0 ? { locks: Object.fromEntries(locks.map((n) => [n.name, n.locks!])) } : {}),
  };
}

function directionReport(d: LinkDirectionStats, names: readonly string[], simTimePs: Ps): LinkDirectionReport {
  return {
    from: names[d.from as NodeId]!,
    to: names[d.to as NodeId]!,
    messages: d.messages,
    bytes: d.bytes,
    busyPs: d.busyPs,
    utilization: simTimePs > 0 ? d.busyPs / simTimePs : 0,
    queueDelayPs: d.queueDelayPs,
    maxQueueDelayPs: d.maxQueueDelayPs,
    byKind: d.byKind,
  };
}

/** Returns `result` without its `host` object and trace: the part identical across identical deterministic runs. */
export function deterministicPart(result: RunResult): Omit<RunResult, 'host' | 'trace'> {
  const { host: _host, trace: _trace, ...rest } = result;
  return rest;
}
