/**
 * One simulated node as it lives in its worker thread: attaches the shared
 * state, builds the node's model (home agent of its memory; processes for a
 * CPU node; the workload's device side for a GPU) on a kernel, and runs the
 * scheduler of the chosen mode. Pure model code: the runtime layer owns the
 * thread and calls `run()` through comlink.
 */
import type { NodeId } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { RoutingTable, Transport, type LinkDirectionStats, type TransportStats } from '@cdmsim/bus';
import { CoherenceWatch, ContentStore, DeterministicModeLock, FreeModeLock, FrameTable, MemcgCounters, PageTables, RunControl, type WordLock, type LockStats } from '@cdmsim/shm';
import { NodeKernel, Timeline, horizonDistances, runDeterministic, runFree, scheduleJitter, type KernelStats, type RunMode, type ScheduleJitter, type SchedulerStats, type TimelineSample, type TraceEvent } from '@cdmsim/kernel';
import {
  attachPorts,
  createNodeMm,
  createPageCaches,
  finishPageCaches,
  FrameAllocator,
  HomeAgent,
  memcgChoices,
  memoryMap,
  MemoryRanges,
  MmStressDevice,
  PageLines,
  PageMemory,
  ProcessHost,
  registerStressDevice,
  RemoteDeviceMemory,
  shrunkCacheSpec,
  type HomeAgentStats,
  type MmStressDeviceStats,
  type PageCaches,
  type PageCachesReport,
  type ProcessHostStats,
  type SharedHandles,
} from '@cdmsim/platform';
import { CoherenceWorkload, LitmusWorkload, MmStressCpu, SharedBufferDevice, SharedBufferProcess, type CoherenceNodeReport, type DeviceWorkloadStats, type LitmusNodeReport, type MmStressCpuStats, type WorkloadOutcome } from '@cdmsim/workloads';

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
  readonly processes?: ProcessHostStats;
  readonly device?: DeviceWorkloadStats;
  readonly workload?: WorkloadOutcome;
  /** This node's part of a coherence-random run (the runtime combines them into the outcome). */
  readonly coherence?: CoherenceNodeReport;
  /** This node's part of a litmus run. */
  readonly litmus?: LitmusNodeReport;
  /** This node's part of an mm-stress run: its processes (CPU node) or its driver (device). */
  readonly mm?: { readonly cpu?: MmStressCpuStats; readonly device?: MmStressDeviceStats; readonly coherence?: PageCachesReport };
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
  readonly #allocator: FrameAllocator;
  readonly #host?: ProcessHost;
  readonly #process?: SharedBufferProcess;
  readonly #device?: SharedBufferDevice;
  readonly #coherence?: CoherenceWorkload;
  readonly #litmus?: LitmusWorkload;
  readonly #mmCpu?: MmStressCpu;
  readonly #mmDevice?: MmStressDevice;
  readonly #mmCoherence?: PageCaches;
  /** Pages the mm-stress workload's allocators hold on this node (for the timeline). */
  #mmPagesInUse: () => number = () => 0;
  readonly #timeline: Timeline;

  /** Attaches shared state and builds the node's components; schedules the workload's first events. */
  constructor(init: NodeInit) {
    this.#init = init;
    const { config, self, shared } = init;
    const topology = config.topology;
    this.#lock =
      init.mode === 'free' ? new FreeModeLock() : new DeterministicModeLock({ owner: self + 1, name: topology.nodes[self]!.name });
    const frames = FrameTable.attach(shared.frames, { lock: this.#lock });
    const content = ContentStore.attach(shared.content, frames);
    const pageTables = PageTables.attach(shared.pageTables, { lock: this.#lock });
    this.#sync = RunControl.attach(shared.sync);
    const ports = attachPorts(shared, self, this.#sync);
    this.#transport = new Transport(ports.out, ports.incoming, { wakeOnPublish: init.mode === 'free' });
    this.#routing = new RoutingTable(topology);
    this.#timeline = new Timeline(() => ({
      messagesSent: this.#kernel.stats.messagesSent,
      memoryReadBytes: this.#home.stats.bytesRead,
      memoryWriteBytes: this.#home.stats.bytesWritten,
      framesAllocated: this.#allocator.allocated + this.#mmPagesInUse(),
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
    const kernel = this.#kernel;
    const ranges = new MemoryRanges(memoryMap(topology));
    const pages = new PageMemory(frames, content);
    this.#allocator = new FrameAllocator(ranges.ranges[self]!);
    this.#home = new HomeAgent(kernel, ranges.ranges[self]!, pages);
    kernel.on('memReq', (env) => this.#home.handle(env));
    const release = (pfn: number): void => {
      pages.release(pfn);
      frames.setFlags(pfn, 0);
      frames.setMapping(pfn, 0);
      frames.setIndex(pfn, 0);
      this.#allocator.free(pfn);
    };
    const spec = topology.nodes[self]!;
    const workload = config.workload;
    if (workload.kind === 'coherence-random') {
      if (!shared.coherence) throw new Error('coherence-random run without a coherence watch in the shared state');
      this.#coherence = new CoherenceWorkload(kernel, config, workload, ranges, CoherenceWatch.attach(shared.coherence), init.mode);
    } else if (workload.kind === 'litmus') {
      if (!shared.coherence) throw new Error('litmus run without a coherence watch in the shared state');
      this.#litmus = new LitmusWorkload(kernel, config, workload, ranges, CoherenceWatch.attach(shared.coherence), init.mode);
    } else if (workload.kind === 'mm-stress') {
      if (!shared.memcgs) throw new Error('mm-stress run without memcg counters in the shared state');
      const { core, memcgs } = createNodeMm(topology, self, workload, { frames, pageTables, content, memcgCounters: MemcgCounters.attach(shared.memcgs) });
      if (workload.caches) {
        if (!shared.coherence) throw new Error('mm-stress run with caches but without a coherence watch in the shared state');
        const s = workload.testOnlySabotage;
        this.#mmCoherence = createPageCaches(kernel, {
          topology,
          core,
          watch: CoherenceWatch.attach(shared.coherence),
          lines: new PageLines(topology, core.frames.map.memories, workload),
          cache: shrunkCacheSpec(kernel.spec.cache, workload.cacheLines),
          mode: init.mode,
          ...(s === 'skip-dma-flush' || s === 'skip-free-invalidate' ? { sabotage: s } : {}),
        });
      }
      const coherence = this.#mmCoherence ?? null;
      if (spec.kind === 'cpu') {
        const remotes = new Map<NodeId, RemoteDeviceMemory>();
        const devices: { node: NodeId; kind: 'public' | 'private' }[] = [];
        for (const d of topology.devices) {
          const remote = new RemoteDeviceMemory(kernel, d.id);
          remotes.set(d.id, remote);
          devices.push({ node: d.id, kind: registerStressDevice(core, d.id, workload, remote).kind });
        }
        const mine = memcgs.perCpu.get(self)!;
        this.#mmCpu = new MmStressCpu(kernel, workload, core, remotes, devices, memcgChoices(memcgs, self), [mine.own, mine.limited], coherence);
        const cpu = this.#mmCpu;
        this.#mmPagesInUse = () => cpu.ramPagesInUse + (core.ownsZeroPage ? 1 : 0);
        this.#mmCpu.begin();
      } else {
        const device = new MmStressDevice(kernel, topology, workload, core, coherence);
        this.#mmDevice = device;
        this.#mmPagesInUse = () => device.inUse;
      }
    } else if (spec.kind === 'cpu') {
      this.#host = new ProcessHost(kernel, this.#allocator, release);
      kernel.on('rangeFault', (env) => this.#host!.rangeFault(env));
      if (workload.kind === 'shared-buffer' && workload.process === self) {
        this.#process = new SharedBufferProcess(kernel, config, this.#host, this.#home, pageTables, frames);
        kernel.on('control', (env) => this.#process!.control(env));
        this.#process.begin();
      }
    } else {
      this.#device = new SharedBufferDevice(kernel, config, ranges);
      kernel.on('control', (env) => this.#device!.start(env));
      kernel.on('rangeFaultReply', (env) => this.#device!.mirrorReply(env));
      kernel.on('memResp', (env) => this.#device!.response(env));
    }
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
    const coherence = this.#coherence?.finish();
    const litmus = this.#litmus?.finish();
    const mmCpu = this.#mmCpu?.finish();
    const mmDevice = this.#mmDevice?.finish();
    const mmCoherence = this.#mmCoherence ? finishPageCaches(this.#mmCoherence, spec.name, this.#kernel.seed) : undefined;
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
      framesAllocated: this.#allocator.allocated,
      framesTouched: this.#allocator.everAllocated,
      timeline: this.#timeline.samples,
      ...(this.#lock instanceof FreeModeLock ? { locks: { ...this.#lock.stats } } : {}),
      ...(this.#host ? { processes: this.#host.stats } : {}),
      ...(this.#device ? { device: this.#device.stats } : {}),
      ...(this.#process?.outcome ? { workload: this.#process.outcome } : {}),
      ...(coherence ? { coherence } : {}),
      ...(litmus ? { litmus } : {}),
      ...(mmCpu || mmDevice ? { mm: { ...(mmCpu ? { cpu: mmCpu } : {}), ...(mmDevice ? { device: mmDevice } : {}), ...(mmCoherence ? { coherence: mmCoherence } : {}) } } : {}),
      ...(this.#kernel.trace ? { trace: { events: this.#kernel.trace.events, dropped: this.#kernel.trace.dropped } } : {}),
    };
  }
}
