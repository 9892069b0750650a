/**
 * The outcome of an mm-stress run: every CPU node's and device's counters
 * combined, plus the end-of-run check only the main thread can make — every
 * memcg's shared counters back at zero once every process on every node
 * exited (the per-node checks already ran on the workers).
 */
import { RunningHash } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { MM_STRESS_OPS, type MmStressOp } from '@cdmsim/mm/testing';
import type { MemcgCounters } from '@cdmsim/shm';
import type { DriverStats, PageCachesReport } from '@cdmsim/platform';
import type { MmStressCpuStats } from './cpu-role.js';
import { MM_STRESS, type MmStressWorkloadSpec } from './config.js';
import type { MmStressNodeReport } from './role.js';
import { sumCounts } from '../shared/outcome-parts.js';
import type { NodeShare } from '../workload.js';

/** One CPU node's share of an mm-stress run. */
export interface MmStressCpuOutcome extends MmStressCpuStats {
  readonly node: string;
}

/** One device's share of an mm-stress run. */
export interface MmStressDeviceOutcome extends DriverStats {
  readonly node: string;
}

/** The coherence side of an mm-stress run with caches, summed over every node. */
export interface MmStressCoherenceOutcome {
  /** Coherence messages on the bus, and their payload bytes. */
  readonly messages: number;
  readonly payloadBytes: number;
  /** Cache misses (GetS + GetM requests) and writebacks (PutM + PutE + PutS). */
  readonly misses: number;
  readonly writebacks: number;
  /** Pages recalled at their homes (before a DMA or when freed) and the cached lines those recalls reached. */
  readonly pagesRecalled: number;
  readonly linesRecalled: number;
  /** PageRecall requests to other homes before a DMA. */
  readonly recallRequests: number;
  /** Freed frames held out of their allocator or pool until their lines were invalidated. */
  readonly framesHeld: number;
  /** Cached lines CPU-performed copies (COW) read from the copier's cache. */
  readonly linesCopiedFromCache: number;
}

/** The outcome of the mm-stress workload. A run whose per-node checks failed fails instead of reporting. */
export interface MmStressRunOutcome {
  readonly kind: typeof MM_STRESS;
  /** True when every node finished and every memcg counter is back at zero. */
  readonly verified: boolean;
  readonly problems: readonly string[];
  /** Digest of every node's counters (equal seeds, equal digests in deterministic mode). */
  readonly dataHash: string;
  readonly opsPerCpu: number;
  readonly operations: Readonly<Record<MmStressOp, number>>;
  /** With caches: CPU loads through the cache, each checked against the last write (on top of `operations`). */
  readonly cachedReads: number;
  readonly expectedErrors: Readonly<Record<string, number>>;
  readonly pagesToPublic: number;
  readonly pagesToPrivate: number;
  /** Pages moved back to RAM (migrate-to-ram, device-private faults, long-term pins, evictions). */
  readonly pagesToRam: number;
  readonly deviceFaults: number;
  readonly evictedPages: number;
  readonly dmaRequests: number;
  readonly pageFrees: number;
  /** Invariant + data checks that ran on the CPU nodes. */
  readonly checks: number;
  readonly perCpu: readonly MmStressCpuOutcome[];
  readonly perDevice: readonly MmStressDeviceOutcome[];
  /** With `caches`: the coherence traffic and page recalls. */
  readonly coherence?: MmStressCoherenceOutcome;
}

/** Returns the coherence summary of every node's report, or undefined when the run had no caches. */
function coherenceOutcome(reports: readonly PageCachesReport[]): MmStressCoherenceOutcome | undefined {
  if (reports.length === 0) return undefined;
  const sum = (f: (r: PageCachesReport) => number): number => reports.reduce((s, r) => s + f(r), 0);
  const sent = (r: PageCachesReport, ...types: (keyof PageCachesReport['traffic']['sentByType'])[]): number => types.reduce((s, t) => s + (r.traffic.sentByType[t] ?? 0), 0);
  return {
    messages: sum((r) => r.traffic.messagesSent),
    payloadBytes: sum((r) => r.traffic.payloadBytesSent),
    misses: sum((r) => sent(r, 'GetS', 'GetM')),
    writebacks: sum((r) => sent(r, 'PutM', 'PutE', 'PutS')),
    pagesRecalled: sum((r) => r.pages.pagesRecalled),
    linesRecalled: sum((r) => r.pages.linesRecalled),
    recallRequests: sum((r) => r.pages.recallRequestsSent),
    framesHeld: sum((r) => r.pages.framesHeld),
    linesCopiedFromCache: sum((r) => r.pages.linesCopiedFromCache),
  };
}

/** Returns the outcome of an mm-stress run from every node's report (node order) and the run's memcg counters. */
export function mmStressOutcome(
  config: SimConfig<MmStressWorkloadSpec>,
  nodes: readonly NodeShare<MmStressNodeReport>[],
  memcgs: MemcgCounters,
): MmStressRunOutcome {
  const w = config.workload;
  const perCpu = nodes.flatMap((n) => (n.share?.cpu ? [{ node: n.name, ...n.share.cpu }] : []));
  const perDevice = nodes.flatMap((n) => (n.share?.device ? [{ node: n.name, ...n.share.device }] : []));
  const problems: string[] = [];
  if (perCpu.length !== config.topology.cpus.length) problems.push(`${config.topology.cpus.length - perCpu.length} CPU nodes did not report`);
  if (perDevice.length !== config.topology.devices.length) problems.push(`${config.topology.devices.length - perDevice.length} devices did not report`);
  for (let id = 1; id < memcgs.capacity; id++) {
    const usage = memcgs.usage(id);
    const local = memcgs.local(id, 'anon') + memcgs.local(id, 'file');
    if (usage !== 0 || local !== 0) problems.push(`memcg ${id}: usage ${usage} pages, ${local} pages charged after every process exited`);
  }
  const operations = Object.fromEntries(MM_STRESS_OPS.map((k) => [k, perCpu.reduce((s, c) => s + c.operations[k], 0)])) as Record<MmStressOp, number>;
  const sum = (f: (c: MmStressCpuOutcome) => number): number => perCpu.reduce((s, c) => s + f(c), 0);
  const hash = new RunningHash();
  for (const c of perCpu) for (const v of Object.values(c.operations)) hash.add(v);
  for (const c of perCpu) hash.add(c.cachedReads);
  for (const c of perCpu) hash.add(c.migrations.pagesToDevice).add(c.migrations.pagesToRam).add(c.faults).add(c.cowCopies).add(c.deviceFaults);
  for (const d of perDevice) hash.add(d.allocated).add(d.declined).add(d.pageFrees).add(d.evictedPages);
  const coherence = coherenceOutcome(nodes.flatMap((n) => (n.share?.coherence ? [n.share.coherence] : [])));
  if (coherence) for (const v of Object.values(coherence)) hash.add(v);
  return {
    kind: MM_STRESS,
    verified: problems.length === 0,
    problems,
    dataHash: hash.hex(),
    opsPerCpu: w.opsPerCpu,
    operations,
    cachedReads: sum((c) => c.cachedReads),
    expectedErrors: sumCounts(perCpu.map((c) => c.expectedErrors)),
    pagesToPublic: sum((c) => c.pagesToPublic),
    pagesToPrivate: sum((c) => c.pagesToPrivate),
    pagesToRam: sum((c) => c.migrations.pagesToRam),
    deviceFaults: sum((c) => c.deviceFaults),
    evictedPages: sum((c) => c.evictedPages),
    dmaRequests: sum((c) => c.migrations.dmaRequests),
    pageFrees: perDevice.reduce((s, d) => s + d.pageFrees, 0),
    checks: sum((c) => c.checks),
    perCpu,
    perDevice,
    ...(coherence ? { coherence } : {}),
  };
}
