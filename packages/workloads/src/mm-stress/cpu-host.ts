/**
 * The worker side of the mm-stress operation table (`MmStressHost` of
 * @cdmsim/mm/testing) on one CPU node, on the platform's `Host`:
 * migrations are bus requests to the device that does the copy, an access
 * that meets a device-private entry migrates the page back and retries
 * (`Host.withDeviceFaults`), and with caches stores and loads go through
 * this node's coherent cache. Every step calls `done` when it performed,
 * possibly many simulated picoseconds later.
 */
import { InvariantViolation, type Rng } from '@cdmsim/engine';
import type { MmStressWorkloadSpec } from './config.js';
import { Errno, accessPfn, createProcess, getUserPages, isErrPtr, ptrErr, writeBytes, type GupFlags, type MemcgId, type MigrateResult, type MmCore, type Process } from '@cdmsim/mm';
import { expectErrno, type MmStressHost, type MmStressOp, type MmStressPin, type MmStressRange, type StressArea } from '@cdmsim/mm/testing';
import type { NodeKernel } from '@cdmsim/kernel';
import type { AttachedDevice, Host, PageCaches } from '@cdmsim/platform';
import type { MmStressCpuStats } from './cpu-role.js';

/** The counter each kind of device memory adds migrated pages to. */
const PAGES_TO: Readonly<Record<AttachedDevice['kind'], 'pagesToPublic' | 'pagesToPrivate'>> = { public: 'pagesToPublic', private: 'pagesToPrivate' };

/** What the CPU role is doing, as named in its failures: a table operation, a load through the cache, an eviction or the final release. */
export type MmStressCpuActivity = MmStressOp | 'read' | 'evict' | 'release-all';

/** The parts of a CPU node the host runs on (all owned by the node's worker). */
export interface MmStressCpuHostParts {
  readonly kernel: NodeKernel;
  readonly spec: MmStressWorkloadSpec;
  readonly core: MmCore;
  /** The role's counters: the host adds pins, expected errors and migrated pages. */
  readonly stats: MmStressCpuStats;
  /** The node's processes, device memories and migrations (`host.core` is `core`). */
  readonly host: Host;
  /** The device memories attached to `host`, in device order (operations draw among them). */
  readonly devices: readonly AttachedDevice[];
  readonly memcgChoices: readonly MemcgId[];
  /** With caches: this node's cache and page coherence; null without. */
  readonly coherence: PageCaches | null;
}

/** One CPU node's `MmStressHost` (its processes, pins and the current activity; the role schedules). */
export class MmStressCpuHost implements MmStressHost {
  readonly rng: Rng;
  readonly core: MmCore;
  readonly areas = new Map<Process, StressArea[]>();
  readonly pins: MmStressPin[] = [];
  readonly pinCounts: MmStressCpuStats['pins'];
  readonly expectedErrors: Record<string, number>;
  readonly maxProcesses: number;
  readonly memcgs: readonly MemcgId[];
  readonly devices: readonly AttachedDevice[];
  readonly load: ((target: MmStressRange, done: () => void) => void) | null;
  /** What the node is doing (set by the table's operations and by the role). */
  current: MmStressCpuActivity = 'noop';
  /** Operations started (counted by the role). */
  opsStarted = 0;
  readonly #parts: MmStressCpuHostParts;

  constructor(parts: MmStressCpuHostParts) {
    this.#parts = parts;
    this.rng = parts.kernel.rng;
    this.core = parts.core;
    this.pinCounts = parts.stats.pins;
    this.expectedErrors = parts.stats.expectedErrors;
    this.maxProcesses = parts.spec.processesPerCpu;
    this.memcgs = parts.memcgChoices;
    this.devices = parts.devices;
    this.load = parts.coherence ? (t, done) => this.#load(t, done) : null;
  }

  begin(op: MmStressOp): void {
    this.current = op;
  }

  /** Throws InvariantViolation naming the node, the operation and the seed. */
  fail(message: string): never {
    const k = this.#parts.kernel;
    throw new InvariantViolation(`node ${k.spec.name}, operation ${this.opsStarted} (${this.current}): ${message}`, k.seed);
  }

  /** Starts the process on this CPU node. */
  spawn(memcg: MemcgId | undefined): Process {
    return createProcess(this.core, this.#parts.kernel.self as number as Process['cpuNode'], memcg);
  }

  store(proc: Process, vpn: number, byte: number, done: (r: Errno) => void): void {
    if (this.#parts.coherence) return this.#cachedAccess(proc, vpn, byte, (r) => done(r));
    this.#parts.host.withDeviceFaults(() => writeBytes(this.core, proc, vpn * this.core.pageSize, new Uint8Array([byte])), done);
  }

  migrateToDevice(proc: Process, startVpn: number, endVpn: number, device: number, done: (r: MigrateResult | Errno) => void): void {
    const d = this.devices[device];
    if (!d) return this.fail(`no device #${device} to migrate to`);
    this.#parts.host.migrations.toDevice(proc, startVpn, endVpn, d.node, (r) => {
      if (typeof r === 'object') this.#parts.stats[PAGES_TO[d.kind]] += r.migrated;
      done(r);
    });
  }

  migrateToRam(proc: Process, startVpn: number, endVpn: number, done: (r: MigrateResult | Errno) => void): void {
    this.#parts.host.migrations.toRam(proc, startVpn, endVpn, null, done);
  }

  /** A long-term pin first moves device pages of the range to RAM over the bus (device memory is never pinned [6/6]). */
  pin(proc: Process, vpn: number, pages: number, flags: GupFlags, done: (r: number[] | Errno) => void): void {
    const gup = (): void => this.#parts.host.withDeviceFaults(() => getUserPages(this.core, proc, vpn, pages, flags), done);
    if (!flags.longterm) return gup();
    this.#parts.host.migrations.toRam(proc, vpn, vpn + pages, 'gup-longterm', () => gup());
  }

  /** Loads the first word of the range's first page through the cache; it must be the last byte written there when that is known. */
  #load(t: MmStressRange, done: () => void): void {
    this.current = 'read';
    this.#cachedAccess(t.proc, t.vpn, undefined, (r, pfn, value) => {
      if (r !== Errno.OK) expectErrno(this, 'read', r, [Errno.ENOMEM]);
      else this.#checkLoad(t, pfn, value);
      done();
    });
  }

  #checkLoad(t: MmStressRange, pfn: number, value: number): void {
    const expected = t.area.data.get(t.vpn);
    if (expected !== undefined && (value & 0xff) !== expected) this.fail(`pid ${t.proc.pid} vpn ${t.vpn} (pfn ${pfn}) loaded ${value & 0xff} through the cache, expected ${expected} (last written)`);
  }

  /**
   * With caches: the CPU writes byte `store` as the first word of page `vpn`
   * (or, with `store` undefined, loads that word) through its cache. The
   * page is faulted in first (COW, device-private fault-back; a read fault
   * maps the zero page, which reads 0 without a cache line); then the access
   * goes to the line, a miss crossing the bus to the line's home (a device
   * for device-public memory). `done` gets the fault's errno (or OK), the
   * frame and the word once the access performed.
   */
  #cachedAccess(proc: Process, vpn: number, store: number | undefined, done: (r: Errno, pfn: number, value: number) => void): void {
    const c = this.#parts.coherence;
    if (!c) return this.fail('a cached access on a node without caches');
    const write = store !== undefined;
    this.#parts.host.withDeviceFaults(
      () => accessPfn(this.core, proc, vpn, write),
      (pfn) => {
        if (isErrPtr(pfn)) return done(ptrErr(pfn), pfn, 0);
        const performed = (value: number): void => done(Errno.OK, pfn, value);
        if (pfn === this.core.zeroPfn) return performed(0);
        const line = c.lines.lineOf(pfn);
        const refused = write ? c.node.store(line, store, performed) : c.node.load(line, performed);
        if (refused) this.fail(`a ${write ? 'store to' : 'load of'} pfn ${pfn} was refused (${refused}): a CPU never maps device-private memory`);
      },
    );
  }
}
