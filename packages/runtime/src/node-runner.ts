/**
 * One simulated node as it lives in its worker thread: attaches the shared
 * state, builds the node's kernel, the home agent of its memory and the
 * role its workload plays on it (found in the workload registry), and runs
 * the scheduler of the chosen mode. Pure model code: the worker entry owns
 * the thread and calls `run()` through comlink.
 */
import type { NodeId } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { RoutingTable, Transport, type LinkDirectionStats, type TransportStats } from '@cdmsim/bus';
import { DeterministicModeLock, FreeModeLock, RunControl, type LockStats, type WordLock } from '@cdmsim/shm';
import { NodeKernel, Timeline, horizonDistances, runDeterministic, runFree, scheduleJitter, type KernelStats, type RunMode, type ScheduleJitter, type SchedulerStats, type TimelineSample, type TraceEvent } from '@cdmsim/kernel';
import { attachPorts, attachShared, HomeAgent, memoryMap, MemoryRanges, PageMemory, type HomeAgentStats, type NodeEnv, type SharedHandles } from '@cdmsim/platform';
import { workloadOf, type WorkloadRole } from '@cdmsim/workloads';

export type { RunMode };

/** Everything a node worker receives at start (plain, structured-cloneable data). */
export interface NodeInit {
  readonly config: SimConfig;
  readonly self: NodeId;
  readonly seed: number;
  readonly mode: RunMode;
  readonly shared: SharedHandles;
  readonly crashAfterEvents?: number;
  /** Record a Perfetto trace of at most this many events on this node. */
  readonly traceEvents?: number;
  /** Testing: random delays at the scheduler's synchronisation points (see `scheduleJitter`). */
  readonly scheduleJitter?: ScheduleJitter;
}

/** What a node reports at the end of a run (plain data). */
export interface NodeReport {
  readonly id: NodeId;
  readonly name: string;
  readonly kind: 'cpu' | 'gpu';
  readonly eventLogHash: string;
  readonly kernel: KernelStats;
  readonly scheduler: SchedulerStats;
  readonly transport: TransportStats;
  readonly links: LinkDirectionStats[];
  readonly home: HomeAgentStats;
  /** Frames of this node's memory allocated at the end of the run. */
  readonly framesAllocated: number;
  /** Distinct frames of this node's memory ever allocated in the run (touched frames). */
  readonly framesTouched: number;
  /** Page/PTE lock statistics (free mode; deterministic-mode locks never wait). */
  readonly locks?: LockStats;
  /** This node's share of the workload (its role's report; the runtime combines them into the outcome). */
  readonly workload?: unknown;
  /** Counters over simulated time (memory traffic, frames allocated, messages). */
  readonly timeline: readonly TimelineSample[];
  /** This node's trace events, when the run records a trace. */
  readonly trace?: { readonly events: TraceEvent[]; readonly dropped: number };
}

/** One node's model over the shared state. */
export class NodeRunner {
  readonly #init: NodeInit;
  readonly #kernel: NodeKernel;
  readonly #transport: Transport;
  readonly #routing: RoutingTable;
  readonly #sync: RunControl;
  readonly #lock: WordLock;
  readonly #home: HomeAgent;
  readonly #role: WorkloadRole<unknown>;
  readonly #timeline: Timeline;

  /** Attaches shared state and builds the node's kernel, home agent and workload role; the role schedules its first events. */
  constructor(init: NodeInit) {
    this.#init = init;
    const { config, self } = init;
    const topology = config.topology;
    this.#lock = init.mode === 'free' ? new FreeModeLock() : new DeterministicModeLock({ owner: self + 1, name: topology.nodes[self]!.name });
    const shared = attachShared(init.shared, this.#lock);
    this.#sync = RunControl.attach(init.shared.sync);
    const ports = attachPorts(init.shared, self, this.#sync);
    this.#transport = new Transport(ports.out, ports.incoming, { wakeOnPublish: init.mode === 'free' });
    this.#routing = new RoutingTable(topology);
    this.#timeline = new Timeline(() => ({
      messagesSent: this.#kernel.stats.messagesSent,
      memoryReadBytes: this.#home.stats.bytesRead,
      memoryWriteBytes: this.#home.stats.bytesWritten,
      framesAllocated: this.#role.framesInUse?.() ?? 0,
    }));
    this.#kernel = new NodeKernel({
      topology,
      self,
      seed: init.seed,
      routing: this.#routing,
      transport: this.#transport,
      onWork: (done, total) => this.#sync.setWork(self, done, total),
      beforeEvent: (t) => this.#timeline.beforeEvent(t),
      ...(init.crashAfterEvents !== undefined ? { crashAfterEvents: init.crashAfterEvents } : {}),
      ...(init.traceEvents ? { traceEvents: init.traceEvents } : {}),
    });
    const memory = new MemoryRanges(memoryMap(topology));
    this.#home = new HomeAgent(this.#kernel, memory.ranges[self]!, new PageMemory(shared.frames, shared.content));
    const env: NodeEnv = { kernel: this.#kernel, config, mode: init.mode, memory, home: this.#home, shared };
    this.#role = workloadOf(config.workload.kind).createRole(env, config.workload);
  }

  /** Runs the scheduler of the run's mode until the simulation ends; returns this node's report. */
  run(): NodeReport {
    const jitter = this.#init.scheduleJitter;
    const parts = {
      kernel: this.#kernel,
      transport: this.#transport,
      sync: this.#sync,
      me: this.#init.self,
      ...(jitter ? { perturb: scheduleJitter(jitter, this.#init.self) } : {}),
    };
    const scheduler = this.#init.mode === 'free' ? runFree(parts) : runDeterministic(parts, horizonDistances(this.#routing));
    const spec = this.#kernel.spec;
    const share = this.#role.finish();
    this.#timeline.finish(this.#kernel.nowPs);
    return {
      id: this.#init.self,
      name: spec.name,
      kind: spec.kind,
      eventLogHash: this.#kernel.eventLogHash(),
      kernel: this.#kernel.stats,
      scheduler,
      transport: this.#transport.stats,
      links: this.#kernel.links.stats(),
      home: this.#home.stats,
      framesAllocated: this.#role.framesInUse?.() ?? 0,
      framesTouched: this.#role.framesTouched?.() ?? 0,
      timeline: this.#timeline.samples,
      ...(this.#lock instanceof FreeModeLock ? { locks: { ...this.#lock.stats } } : {}),
      ...(share !== undefined ? { workload: share } : {}),
      ...(this.#kernel.trace ? { trace: { events: this.#kernel.trace.events, dropped: this.#kernel.trace.dropped } } : {}),
    };
  }
}
