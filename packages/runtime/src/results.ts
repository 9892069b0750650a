/**
 * The result of one run, as written to `results.json`. Everything outside
 * the `host` object depends only on config + seed in deterministic mode, so
 * two identical runs produce byte-identical JSON once `host` is removed.
 */
import { hostname, cpus } from 'node:os';
import { combineHex, type NodeId, type Ps } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import type { KindTraffic, LinkDirectionStats } from '@cdmsim/bus';
import type { RunMode, TraceEvent } from '@cdmsim/kernel';
import type { SharedState } from '@cdmsim/platform';
import { workloadOf, type WorkloadOutcome } from '@cdmsim/workloads';
import type { NodeReport } from './node-runner.js';

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

/** Facts about the host run that legitimately vary between identical runs. */
export interface HostInfo {
  readonly wallMs: number;
  readonly startupMs: number;
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
  readonly mode: RunMode;
  readonly simTimePs: Ps;
  readonly eventLogHash: string;
  readonly totals: {
    readonly events: number;
    readonly messages: number;
    readonly linkBytes: number;
    readonly touchedFrames: number;
    /** Deterministic rounds (barriers); 0 in free mode. */
    readonly rounds: number;
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
  readonly reports: readonly NodeReport[];
  readonly shared: SharedState;
  readonly wallMs: number;
  readonly startupMs: number;
}

/** Returns the run result assembled from every node's report (node order). */
export function buildRunResult(facts: RunFacts): RunResult {
  const { config, reports } = facts;
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
  const workload = workloadOutcome(facts);
  const memory = facts.shared.hostBytes();
  const totalFrames = facts.shared.totalFrames;
  const touched = reports.reduce((s, r) => s + r.framesTouched, 0);
  return {
    version: RESULTS_VERSION,
    config,
    seed: facts.seed,
    mode: facts.mode,
    simTimePs,
    eventLogHash: combineHex(reports.map((r) => r.eventLogHash)),
    totals: {
      events,
      messages: reports.reduce((s, r) => s + r.kernel.messagesSent, 0),
      linkBytes: links.reduce((s, l) => s + l.bytes, 0),
      touchedFrames: touched,
      rounds: Math.max(...reports.map((r) => r.scheduler.rounds)),
    },
    workload,
    links,
    nodes: reports.map(({ trace: _trace, ...rest }) => rest),
    host: {
      wallMs: facts.wallMs,
      startupMs: facts.startupMs,
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
function workloadOutcome(facts: RunFacts): WorkloadOutcome {
  const shares = facts.reports.map((r) => ({ name: r.name, share: r.workload }));
  return workloadOf(facts.config.workload.kind).outcome(facts.config, shares, facts.shared) as WorkloadOutcome;
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
