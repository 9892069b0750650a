/**
 * Coherence figures on the built-in machine (MOESI protocol of
 * @cdmsim/coherence):
 * - protocol messages per wall second on the real simulator (node workers,
 *   protobuf bus, deterministic mode) against the in-process tester running
 *   the same protocol on one thread; `details` adds free mode and the misses
 *   (GetS and GetM requests) per wall second of each;
 * - a CPU streaming through 1 MiB of device-public memory (CDM) line by line
 *   against the device reading the same lines locally: simulated time, and
 *   in `details` the bus messages and bytes each puts on links (the seed's
 *   point that CPU access to CDM is slow, packet-based and eats device
 *   bandwidth, in numbers).
 */
import { CoherentSystem, runRandomTester, type CoherenceMsg, type LineAddr } from '@cdmsim/coherence';
import type { SimConfig } from '@cdmsim/config';
import { coherenceRandom, defaultConfig, workloadSpec } from '@cdmsim/workloads';
import { nodeId, type NodeId } from '@cdmsim/engine';
import { runSimulation, type RunMode } from '@cdmsim/runtime';
import type { Benchmark } from './harness.js';

const STREAM_BYTES = 1 << 20;

/** Streams `lines` with loads by `agent`, one outstanding at a time; returns simulated time and cross-node traffic. */
function stream(agent: NodeId, home: NodeId, lines: number): { simPs: number; busMessages: number; busBytes: number } {
  const { topology } = defaultConfig();
  const headerOf = new Map<string, number>();
  for (const l of topology.links) {
    headerOf.set(`${l.a}-${l.b}`, l.headerBytes);
    headerOf.set(`${l.b}-${l.a}`, l.headerBytes);
  }
  let busMessages = 0;
  let busBytes = 0;
  const lineBytes = topology.nodes[0]!.cache.lineBytes;
  const sys = new CoherentSystem({
    topology,
    seed: 1,
    homeOf: () => home,
    drop: (msg: CoherenceMsg) => {
      if (msg.src.node !== msg.dst.node) {
        busMessages++;
        // One link header per message (neighbours here); payload as the protocol sizes it.
        busBytes += msg.sizeBytes + (headerOf.get(`${msg.src.node}-${msg.dst.node}`) ?? 16);
      }
      return false;
    },
  });
  let next = 0;
  const issue = (): void => {
    if (next === lines) return;
    const line: LineAddr = next++ * lineBytes;
    sys.load(agent, line, () => issue());
  };
  issue();
  sys.run();
  return { simPs: sys.nowPs, busMessages, busBytes };
}

/** Cache misses (and upgrades) of a run: each is one GetS or GetM request to a directory. */
function missesOf(byType: Readonly<Record<string, number>>): number {
  return (byType['GetS'] ?? 0) + (byType['GetM'] ?? 0);
}

/** Runs the coherence-random workload of `config` on node workers; returns its messages, misses and run wall time. */
async function simulatorRates(config: SimConfig, mode: RunMode): Promise<{ messages: number; misses: number; wallMs: number }> {
  const result = await runSimulation(config, { seed: 1, mode });
  const w = result.workload;
  if (!coherenceRandom.owns(w)) throw new Error(`expected a ${coherenceRandom.kind} outcome, got ${w.kind}`);
  return { messages: w.messages, misses: missesOf(w.messagesByType), wallMs: result.host.wallMs };
}

/** `details` fields of one run: its counts and its rates per wall second, named `<prefix>Messages`, `<prefix>MissesPerS`, … */
function flat(prefix: string, r: { messages: number; misses: number; wallMs: number }): Record<string, number> {
  const perS = (n: number): number => Math.round(n / (r.wallMs / 1000));
  return {
    [`${prefix}Messages`]: r.messages,
    [`${prefix}Misses`]: r.misses,
    [`${prefix}WallMs`]: Math.round(r.wallMs),
    [`${prefix}MessagesPerS`]: perS(r.messages),
    [`${prefix}MissesPerS`]: perS(r.misses),
  };
}

export const benchmarks: Benchmark[] = [
  {
    name: 'coherence-messages-simulator-vs-in-process',
    description: 'MOESI random tester: protocol messages per wall second on node workers over the protobuf bus (deterministic mode, default machine)',
    baselineName: 'the same protocol and tester in-process on one thread',
    async run() {
      const base = defaultConfig();
      const config = { ...base, workload: workloadSpec(coherenceRandom, { opsPerNode: 1500 }) };
      const det = await simulatorRates(config, 'deterministic');
      const free = await simulatorRates(config, 'free');
      const t1 = performance.now();
      const inProcess = runRandomTester({ seed: 1, agents: 6, lines: 3, ops: 9000 });
      const inProcessMs = performance.now() - t1;
      return {
        subject: { figure: det.messages / (det.wallMs / 1000), unit: 'messages/s' },
        baseline: { figure: inProcess.messages / (inProcessMs / 1000), unit: 'messages/s' },
        details: {
          ...flat('deterministic', det),
          ...flat('free', free),
          ...flat('inProcess', { messages: inProcess.messages, misses: missesOf(inProcess.messagesByType), wallMs: Math.round(inProcessMs) }),
        },
      };
    },
  },
  {
    name: 'cpu-streams-cdm-vs-device-local',
    description: `simulated time for a CPU to load ${STREAM_BYTES >> 20} MiB of device-public memory line by line (lower is better)`,
    baselineName: 'the device loading the same lines from its own memory',
    async run() {
      const { topology } = defaultConfig();
      const gpu = topology.devices[0]!.id;
      const cpu = topology.cpus.find((c) => topology.links.some((l) => (l.a === c.id && l.b === gpu) || (l.b === c.id && l.a === gpu)))!.id;
      const lines = STREAM_BYTES / topology.nodes[0]!.cache.lineBytes;
      const cpuRun = stream(nodeId(cpu), gpu, lines);
      const gpuRun = stream(gpu, gpu, lines);
      return {
        subject: { figure: cpuRun.simPs / 1e6, unit: 'simulated µs' },
        baseline: { figure: gpuRun.simPs / 1e6, unit: 'simulated µs' },
        details: { lines, cpuBusMessages: cpuRun.busMessages, cpuBusBytes: cpuRun.busBytes, deviceBusMessages: gpuRun.busMessages, deviceBusBytes: gpuRun.busBytes },
      };
    },
  },
];
