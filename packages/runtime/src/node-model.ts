/**
 * One simulated node as it lives in a worker thread: the node's kernel, the
 * home agent of its memory and the role its workload plays on it (found in
 * the workload registry), over the shared state attached with the node's
 * own lock owner. Pure model code: the worker runner (`worker-runner.ts`)
 * hosts one or more of these and runs the scheduler of the mode.
 */
import { CdmsimError, type NodeId } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { RoutingTable, Transport, type LinkDirectionStats, type TransportStats } from '@cdmsim/bus';
import { DeterministicModeLock, FreeModeLock, type LockStats, type RunControl, type WordLock } from '@cdmsim/shm';
import { eventOrderOf, NodeKernel, Timeline, type GroupMember, type GroupOutbox, type KernelStats, type RunMode, type TimelineSample, type TraceEvent } from '@cdmsim/kernel';
import { attachPorts, attachShared, HomeAgent, memoryMap, MemoryRanges, PageMemory, type HomeAgentStats, type NodeEnv, type SharedHandles } from '@cdmsim/platform';
import { workloadOf, type WorkloadRole } from '@cdmsim/workloads';

/** What a node's model is built from (the worker's init plus the node). */
export interface NodeModelInit {
  readonly config: SimConfig;
  readonly self: NodeId;
  readonly seed: number;
  readonly mode: RunMode;
  readonly shared: SharedHandles;
  readonly sync: RunControl;
  /** The outbox of the node's worker (local hand-over to co-hosted nodes, rings to the others). */
  readonly outbox: GroupOutbox;
  readonly crashAfterEvents?: number;
  /** Record a Perfetto trace of at most this many events on this node. */
  readonly traceEvents?: number;
}

/**
 * What a node reports at the end of a run (plain data). Depends only on
 * config + seed in the deterministic modes: how the run was executed
 * (rounds, rings, locks) is in `NodeEngineReport`.
 */
export interface NodeReport {
  readonly id: NodeId;
  readonly name: string;
  readonly kind: 'cpu' | 'gpu';
  readonly eventLogHash: string;
  readonly kernel: KernelStats;
  readonly links: LinkDirectionStats[];
  readonly home: HomeAgentStats;
  /** Frames of this node's memory allocated at the end of the run. */
  readonly framesAllocated: number;
  /** Distinct frames of this node's memory ever allocated in the run (touched frames). */
  readonly framesTouched: number;
  /** This node's share of the workload (its role's report; the runtime combines them into the outcome). */
  readonly workload?: unknown;
  /** Counters over simulated time (memory traffic, frames allocated, messages). */
  readonly timeline: readonly TimelineSample[];
  /** This node's trace events, when the run records a trace. */
  readonly trace?: { readonly events: TraceEvent[]; readonly dropped: number };
}

/** How one node's traffic and locks were executed (varies with mode and worker count). */
export interface NodeEngineReport {
  readonly name: string;
  /** Ring traffic to and from nodes of other workers. */
  readonly transport: TransportStats;
  /** Page/PTE lock statistics (free mode; deterministic-mode locks never wait). */
  readonly locks?: LockStats;
}

/** One node's model over the shared state. */
export class NodeModel {
  readonly kernel: NodeKernel;
  readonly transport: Transport;
  /** The node as its worker's scheduler drives it. */
  readonly member: GroupMember;
  readonly #lock: WordLock;
  readonly #home: HomeAgent;
  readonly #role: WorkloadRole<unknown>;
  readonly #timeline: Timeline;
  readonly #workloadKind: string;

  /** Attaches shared state and builds the node's kernel, home agent and workload role; the role schedules its first events. */
  constructor(init: NodeModelInit) {
    const { config, self, sync } = init;
    const topology = config.topology;
    this.#lock = init.mode === 'free' ? new FreeModeLock() : new DeterministicModeLock({ owner: self + 1, name: topology.nodes[self]!.name });
    const shared = attachShared(init.shared, this.#lock);
    const ports = attachPorts(init.shared, self, sync);
    this.transport = new Transport(ports.out, ports.incoming, { wakeOnPublish: init.mode === 'free' });
    this.#timeline = new Timeline(() => ({
      messagesSent: this.kernel.stats.messagesSent,
      memoryReadBytes: this.#home.stats.bytesRead,
      memoryWriteBytes: this.#home.stats.bytesWritten,
      framesAllocated: this.#role.framesInUse?.() ?? 0,
    }));
    this.kernel = new NodeKernel({
      topology,
      self,
      seed: init.seed,
      routing: new RoutingTable(topology),
      outbox: init.outbox.outboxFor(this.transport),
      onWork: (done, total) => sync.setWork(self, done, total),
      beforeEvent: (t) => this.#timeline.beforeEvent(t),
      ...(init.crashAfterEvents !== undefined ? { crashAfterEvents: init.crashAfterEvents } : {}),
      ...(init.traceEvents ? { traceEvents: init.traceEvents } : {}),
    });
    this.member = { kernel: this.kernel, transport: this.transport };
    init.outbox.add(this.member);
    const memory = new MemoryRanges(memoryMap(topology));
    this.#home = new HomeAgent(this.kernel, memory.ranges[self]!, new PageMemory(shared.frames, shared.content));
    const env: NodeEnv = { kernel: this.kernel, config, mode: eventOrderOf(init.mode), memory, home: this.#home, shared };
    this.#workloadKind = config.workload.kind;
    this.#role = workloadOf(config.workload.kind).createRole(env, config.workload);
  }

  /**
   * Hands `command` (a session's, plain data) to this node's workload role
   * at simulated time `atPs`; `done` gets its result when the role
   * completes it.
   * @throws CdmsimError when the workload takes no commands.
   */
  command(atPs: number, command: unknown, done: (result: unknown) => void): void {
    const role = this.#role;
    if (!role.command) throw new CdmsimError(`node ${this.kernel.spec.name}: the ${this.#workloadKind} workload takes no session commands`);
    this.kernel.at(atPs, 'session command', () => role.command!(command, done));
  }

  /** Ends the node's part of the run (after the scheduler returned); returns its report. */
  report(): NodeReport {
    const spec = this.kernel.spec;
    const share = this.#role.finish();
    this.#timeline.finish(this.kernel.nowPs);
    return {
      id: this.kernel.self,
      name: spec.name,
      kind: spec.kind,
      eventLogHash: this.kernel.eventLogHash(),
      kernel: this.kernel.stats,
      links: this.kernel.links.stats(),
      home: this.#home.stats,
      framesAllocated: this.#role.framesInUse?.() ?? 0,
      framesTouched: this.#role.framesTouched?.() ?? 0,
      timeline: this.#timeline.samples,
      ...(share !== undefined ? { workload: share } : {}),
      ...(this.kernel.trace ? { trace: { events: this.kernel.trace.events, dropped: this.kernel.trace.dropped } } : {}),
    };
  }

  /** How this node's traffic and locks were executed. */
  engineReport(): NodeEngineReport {
    return {
      name: this.kernel.spec.name,
      transport: this.transport.stats,
      ...(this.#lock instanceof FreeModeLock ? { locks: { ...this.#lock.stats } } : {}),
    };
  }
}
