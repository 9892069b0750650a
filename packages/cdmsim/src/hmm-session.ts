/**
 * An interactive test-device session: start a simulation of a machine with
 * the session workload (CPU nodes and devices on their own worker threads),
 * create processes, map, protect, fork, load and store in them, open the
 * test device (the kernel's `lib/test_hmm.c` dmirror) on any device for a
 * process and issue its commands. Each call is one step of the simulation:
 * the command is handed to its node at the current simulated time and the
 * simulation runs until nothing is pending; `all` issues several calls in
 * one step so they race in simulated time. Results carry the kernel's
 * positive errno (0 = success) and, for device commands, `cpages`/`faults`.
 *
 * @example
 * ```ts
 * const s = await HmmSession.start({ flavour: 'coherent' });
 * const p = await s.spawn();
 * const { va } = await p.mmap(16 * 4096);
 * await p.write(va, new Uint8Array(16 * 4096).fill(7));
 * const r = await s.device(0).migrateToDevice(p, va, 16);
 * console.log(r.errno, r.cpages); // 0 16
 * const result = await s.close();
 * ```
 */
import { CdmsimError, ConfigError, nodeId, type NodeId } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { Simulation, type RunResult, type SimulationOptions } from '@cdmsim/runtime';
import { sessionConfig, type CpuCommand, type CpuResult, type DeviceCommand, type DeviceResult, type DmirrorFlavour, type SessionWorkloadSpec } from '@cdmsim/workloads';

/** How to start a session. */
export interface HmmSessionOptions extends SimulationOptions {
  /** The built-in machine's device memory (default `private`); ignored with `config`. */
  readonly flavour?: DmirrorFlavour;
  /** A machine with a `session` workload instead of the built-in one. */
  readonly config?: SimConfig<SessionWorkloadSpec>;
}

/** One command of a step, and how its raw result becomes the call's result. */
export interface SessionCall<T> {
  readonly node: NodeId;
  readonly command: CpuCommand | DeviceCommand;
  readonly map: (raw: unknown) => T;
}

type Results<C extends readonly SessionCall<unknown>[]> = { [K in keyof C]: C[K] extends SessionCall<infer T> ? T : never };

/** A running test-device session. */
export class HmmSession {
  readonly simulation: Simulation;
  readonly pageSize: number;
  #closed = false;

  private constructor(simulation: Simulation) {
    this.simulation = simulation;
    this.pageSize = simulation.config.topology.pageSizeBytes;
  }

  /**
   * Starts the workers of a session on the built-in machine (or
   * `options.config`). Resolves once every worker is ready.
   * @throws ConfigError when `options.config` does not run the session workload; ConfigValidationError for an invalid config; NodeFailure when a worker cannot start.
   */
  static async start(options: HmmSessionOptions = {}): Promise<HmmSession> {
    const config = options.config ?? sessionConfig(options.flavour ?? 'private');
    if (config.workload.kind !== 'session') throw new ConfigError(`HmmSession needs a session workload (workload.kind: session), not ${config.workload.kind}`);
    return new HmmSession(await Simulation.start(config, options));
  }

  /** Starts a process on CPU node `cpu` (default: the first CPU) and returns it. */
  async spawn(cpu?: string): Promise<SessionProcess> {
    const node = this.#node(cpu ?? this.simulation.config.topology.cpus[0]!.name, 'cpu');
    const r = await this.run({ node, command: { op: 'spawn' }, map: (raw) => raw as CpuResult });
    return new SessionProcess(this, node, r.pid!);
  }

  /** The test device on device `which` (an index among the devices, or a node name). */
  device(which: number | string): TestDevice {
    const devices = this.simulation.config.topology.devices;
    const d = typeof which === 'number' ? devices[which] : devices.find((x) => x.name === which);
    if (!d) throw new ConfigError(`no device ${JSON.stringify(which)} (devices: ${devices.map((x) => x.name).join(', ')})`);
    return new TestDevice(this, d.id);
  }

  /** Runs one call as a step; resolves with its result. */
  async run<T>(call: SessionCall<T>): Promise<T> {
    const [r] = await this.all([call] as const);
    return r as T;
  }

  /** Runs `calls` in one step (concurrently in simulated time); resolves with their results in order. */
  async all<const C extends readonly SessionCall<unknown>[]>(calls: C): Promise<Results<C>> {
    if (this.#closed) throw new CdmsimError('the session is closed');
    const raw = await this.simulation.step(calls.map((c) => ({ node: c.node, command: c.command })));
    return calls.map((c, i) => c.map(raw[i])) as Results<C>;
  }

  /** Exits every process still running, ends the simulation and returns its result (the outcome checks no device still mirrors an exited process). */
  async close(): Promise<RunResult> {
    if (this.#closed) throw new CdmsimError('the session is closed');
    for (const cpu of this.simulation.config.topology.cpus) {
      const { pids } = await this.run({ node: cpu.id, command: { op: 'processes' }, map: (raw) => raw as CpuResult });
      if (pids?.length) await this.all(pids.map((pid) => ({ node: cpu.id, command: { op: 'exit', pid } as CpuCommand, map: (raw: unknown) => raw as CpuResult })));
    }
    this.#closed = true;
    return this.simulation.run();
  }

  /** Terminates the workers without a result (after a failure, or to abandon the session). */
  async stop(): Promise<void> {
    this.#closed = true;
    await this.simulation.stop();
  }

  #node(name: string, kind: 'cpu' | 'gpu'): NodeId {
    const n = this.simulation.config.topology.nodes.find((x) => x.name === name);
    if (!n || n.kind !== kind) throw new ConfigError(`no ${kind === 'cpu' ? 'CPU node' : 'device'} named "${name}"`);
    return nodeId(n.id);
  }
}

const cpuResult = (raw: unknown): CpuResult => raw as CpuResult;

/** Memory protection of a mapping: PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE. */
export type Prot = 'none' | 'read' | 'read-write';

/** How `SessionProcess.mmap` maps: `file` names a session file (created empty on first use, kept by the CPU node's page cache), shared = MAP_SHARED; read/write default true. */
export interface MmapOptions {
  readonly shared?: boolean;
  readonly file?: string;
  readonly read?: boolean;
  readonly write?: boolean;
}

/** A process of a session, on its CPU node: its system calls, loads and stores (`calls` builds them for `HmmSession.all`). */
export class SessionProcess {
  readonly session: HmmSession;
  readonly node: NodeId;
  readonly pid: number;
  /** The calls of this process, to combine in one step with `HmmSession.all`. */
  readonly calls: {
    mmap(bytes: number, opts?: MmapOptions): SessionCall<CpuResult>;
    munmap(va: number, bytes: number): SessionCall<CpuResult>;
    mprotect(va: number, bytes: number, prot: Prot): SessionCall<CpuResult>;
    read(va: number, size: number): SessionCall<CpuResult>;
    write(va: number, data: Uint8Array): SessionCall<CpuResult>;
    gupTest(va: number, npages: number, flags?: { write?: boolean; longterm?: boolean }): SessionCall<CpuResult>;
  };

  constructor(session: HmmSession, node: NodeId, pid: number) {
    this.session = session;
    this.node = node;
    this.pid = pid;
    const call = (command: CpuCommand): SessionCall<CpuResult> => ({ node, command, map: cpuResult });
    this.calls = {
      mmap: (bytes, opts = {}) => call({ op: 'mmap', pid, bytes, ...opts }),
      munmap: (va, bytes) => call({ op: 'munmap', pid, va, bytes }),
      mprotect: (va, bytes, prot) => call({ op: 'mprotect', pid, va, bytes, write: prot === 'read-write', read: prot !== 'none' }),
      read: (va, size) => call({ op: 'read', pid, va, size }),
      write: (va, data) => call({ op: 'write', pid, va, data }),
      gupTest: (va, npages, flags = {}) => call({ op: 'gup', pid, va, npages, ...flags }),
    };
  }

  /** `mmap`: anonymous (or the session file `opts.file`), private (or `opts.shared`), PROT_READ | PROT_WRITE unless `opts.read` / `opts.write` say otherwise: `va` of the new mapping, or `errno`. */
  mmap(bytes: number, opts: MmapOptions = {}): Promise<CpuResult> {
    return this.session.run(this.calls.mmap(bytes, opts));
  }

  /** `munmap`: every device mirror of the range is invalidated first. */
  munmap(va: number, bytes: number): Promise<CpuResult> {
    return this.session.run(this.calls.munmap(va, bytes));
  }

  /** `mprotect` to PROT_NONE, PROT_READ or PROT_READ | PROT_WRITE (mirrors of the range are invalidated first on a downgrade). */
  mprotect(va: number, bytes: number, prot: Prot): Promise<CpuResult> {
    return this.session.run(this.calls.mprotect(va, bytes, prot));
  }

  /** `fork`: the child, on the same CPU node. */
  async fork(): Promise<SessionProcess> {
    const r = await this.session.run({ node: this.node, command: { op: 'fork', pid: this.pid }, map: cpuResult });
    if (r.errno !== 0) throw new CdmsimError(`fork of pid ${this.pid} failed with errno ${r.errno}`);
    return new SessionProcess(this.session, this.node, r.pid!);
  }

  /** The process loads `size` bytes at `va` (faulting as a CPU would): `data`, or `errno` (EFAULT outside a readable mapping). */
  read(va: number, size: number): Promise<CpuResult> {
    return this.session.run(this.calls.read(va, size));
  }

  /** The process stores `data` at `va`: `errno` 0, or EFAULT (not mapped, or read-only). */
  write(va: number, data: Uint8Array): Promise<CpuResult> {
    return this.session.run(this.calls.write(va, data));
  }

  /**
   * The kernel's gup_test on `npages` pages from `va`: `get_user_pages`
   * (or `pin_user_pages` with `longterm`: device pages move to RAM first),
   * then release; `errno` 0 or GUP's error.
   */
  gupTest(va: number, npages: number, flags: { write?: boolean; longterm?: boolean } = {}): Promise<CpuResult> {
    return this.session.run(this.calls.gupTest(va, npages, flags));
  }

  /** The process exits: its mirrors are invalidated, its memory freed. */
  exit(): Promise<CpuResult> {
    return this.session.run({ node: this.node, command: { op: 'exit', pid: this.pid }, map: cpuResult });
  }
}

const deviceResult = (raw: unknown): DeviceResult => raw as DeviceResult;

/** The test device (`/dev/hmm_dmirrorN`) of one device node; every command names the process and a page-aligned range. */
export class TestDevice {
  readonly session: HmmSession;
  readonly node: NodeId;

  constructor(session: HmmSession, node: NodeId) {
    this.session = session;
    this.node = node;
  }

  /** The call of a command on the whole device (`release`, `failNextAlloc`), for `HmmSession.all`. */
  wide(op: Exclude<DeviceCommand, { host: number }>['op']): SessionCall<DeviceResult> {
    return { node: this.node, command: { op }, map: deviceResult };
  }

  /** The call of `op` on `npages` pages of `proc` from `va`, for `HmmSession.all`. */
  call(op: Extract<DeviceCommand, { host: number }>['op'], proc: SessionProcess, va: number, npages: number, data?: Uint8Array): SessionCall<DeviceResult> {
    return { node: this.node, command: { op, host: proc.node, pid: proc.pid, va, npages, ...(data ? { data } : {}) }, map: deviceResult };
  }

  /** `HMM_DMIRROR_READ`: the device reads the range through its mirror (`data`), faulting it in when needed (`faults`). */
  read(proc: SessionProcess, va: number, npages: number): Promise<DeviceResult> {
    return this.session.run(this.call('read', proc, va, npages));
  }

  /** `HMM_DMIRROR_WRITE`: the device writes `data` (whole pages) through its mirror. */
  write(proc: SessionProcess, va: number, data: Uint8Array): Promise<DeviceResult> {
    return this.session.run(this.call('write', proc, va, Math.ceil(data.length / this.session.pageSize), data));
  }

  /** `HMM_DMIRROR_MIGRATE_TO_DEV`: migrates the range into this device's memory and returns what it then reads there. */
  migrateToDevice(proc: SessionProcess, va: number, npages: number): Promise<DeviceResult> {
    return this.session.run(this.call('migrateToDevice', proc, va, npages));
  }

  /** `HMM_DMIRROR_MIGRATE_TO_SYS`: migrates this device's pages of the range back to system memory. */
  migrateToSystem(proc: SessionProcess, va: number, npages: number): Promise<DeviceResult> {
    return this.session.run(this.call('migrateToSystem', proc, va, npages));
  }

  /** `HMM_DMIRROR_SNAPSHOT`: one byte per page (`HMM_DMIRROR_PROT_*`), nothing faulted in. */
  snapshot(proc: SessionProcess, va: number, npages: number): Promise<DeviceResult> {
    return this.session.run(this.call('snapshot', proc, va, npages));
  }

  /** `HMM_DMIRROR_EXCLUSIVE`: takes the range for exclusive (atomic) device access and returns what the device then reads (`data`, `cpages`); EBUSY for a page that cannot be exclusive. */
  exclusive(proc: SessionProcess, va: number, npages: number): Promise<DeviceResult> {
    return this.session.run(this.call('exclusive', proc, va, npages));
  }

  /** `HMM_DMIRROR_CHECK_EXCLUSIVE`: `errno` EPERM while the device still holds a page of the range exclusively, 0 once the CPU took every page back. */
  checkExclusive(proc: SessionProcess, va: number, npages: number): Promise<DeviceResult> {
    return this.session.run(this.call('checkExclusive', proc, va, npages));
  }

  /** `HMM_DMIRROR_FLAGS` with `HMM_DMIRROR_FLAG_FAIL_ALLOC`: the next device page the driver allocates fails, once (that page does not migrate). */
  failNextAlloc(): Promise<DeviceResult> {
    return this.session.run(this.wide('failNextAlloc'));
  }

  /** `HMM_DMIRROR_RELEASE`: every page of this device's memory goes back to system memory. */
  release(): Promise<DeviceResult> {
    return this.session.run(this.wide('release'));
  }
}
