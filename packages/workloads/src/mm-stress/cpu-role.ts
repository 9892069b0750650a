/**
 * The CPU-node side of the mm-stress workload: this node's processes run
 * random mm operations one at a time — mmap, write, fork, munmap, exit,
 * mprotect, madvise DONTNEED / FREE, lazy-free reclaim, memcg moves,
 * short- and long-term GUP pins, migrations to a device and back — while
 * the other CPU nodes do the same on their own workers and the device
 * drivers allocate, copy, free and evict device pages on theirs. After
 * every operation the data of every process is read back and the
 * invariant checker runs on this node's view; at the end every pin is
 * released, every process exits, and every page must be back.
 *
 * With caches (`caches: true`) the writes go through this node's coherent
 * cache, migrations flush their sources over the bus before the DMA, freed
 * frames wait for their lines to be invalidated, and the read-back reads
 * through the cache (see WorkerPageCoherence).
 *
 * Operations of one node are serialized (a node-wide mmap lock): an
 * operation that waits for a device (a migration, a device-private fault,
 * an eviction) holds the node until the reply. Concurrency is between
 * nodes: CPU nodes and device drivers run at once on their threads.
 */
import { InvariantViolation, type MemNodeId, type NodeId, type Ps } from '@cdmsim/engine';
import type { CpuNodeSpec, MmStressWorkloadSpec } from '@cdmsim/config';
import {
  Errno,
  checkInvariants,
  exitProcess,
  forkProcess,
  getPage,
  getUserPages,
  isErrPtr,
  madvise,
  memcgMoveTask,
  mmap,
  mprotect,
  munmap,
  ptrErr,
  reclaimLazyFree,
  releaseUserPages,
  rmapWalk,
  writeBytes,
  createProcess,
  accessPfn,
  type MemcgId,
  type MigrateResult,
  type MmCore,
  type PageAllocator,
  type Process,
  ROOT_MEMCG,
} from '@cdmsim/mm';
import { MM_STRESS_OPS, type MmStressOp } from '@cdmsim/mm/testing';
import type { cdmsim, EnvelopeData } from '@cdmsim/proto';
import type { NodeKernel } from '@cdmsim/kernel';
import { NodeMigrations, type NodeMigrationStats } from '@cdmsim/platform';
import type { RemoteDeviceMemory } from '@cdmsim/platform';
import type { PageCaches } from '@cdmsim/platform';
import { checkStressData, type CachedFirstWord, type StressArea } from './stress-data.js';

/** Base simulated cost of one mm operation besides its faults and messages (syscall entry, page-table walk). */
export const MM_OP_BASE_PS: Ps = 200_000;
/** Attempts of an operation that keeps hitting device-private entries before it counts as failed. */
const MAX_FAULT_ROUNDS = 4;

/** Counters of one CPU node in an mm-stress run (plain data). */
export interface MmStressCpuStats {
  operations: Record<MmStressOp, number>;
  /** With caches: CPU loads of a page's first word through the cache, each checked against the last write. */
  cachedReads: number;
  /** Expected errno outcomes, keyed `op:ERRNO`. */
  expectedErrors: Record<string, number>;
  migrations: NodeMigrationStats;
  /** Pages migrated to public and to private device memory. */
  pagesToPublic: number;
  pagesToPrivate: number;
  /** CPU faults on device-private entries served by migrating the page back. */
  deviceFaults: number;
  /** Eviction requests from device drivers served, and pages they moved back. */
  evictionRequests: number;
  evictedPages: number;
  /** PageFree messages sent to drivers. */
  pageFreesSent: number;
  faults: number;
  cowCopies: number;
  lazyFreed: number;
  pins: { shortTerm: number; longTerm: number; pages: number; released: number };
  /** Invariant + data checks run (one after every operation and at the end). */
  checks: number;
  /** Most RAM pages of this node in use at once (zero page excluded). */
  peakRamPages: number;
}

interface Pin {
  readonly pfns: number[];
  readonly longterm: boolean;
}

/** One CPU node's processes in the mm-stress workload. */
export class MmStressCpu {
  readonly stats: MmStressCpuStats;
  readonly #kernel: NodeKernel;
  readonly #core: MmCore;
  readonly #spec: MmStressWorkloadSpec;
  readonly #remotes: ReadonlyMap<NodeId, RemoteDeviceMemory>;
  readonly #devices: readonly { readonly node: NodeId; readonly kind: 'public' | 'private' }[];
  readonly #memcgChoices: readonly MemcgId[];
  readonly #checkedMemcgs: readonly MemcgId[];
  readonly #migrations: NodeMigrations;
  /** This node's RAM allocator (a CPU node's MmCore owns exactly one). */
  readonly #ram: PageAllocator;
  readonly #areas = new Map<Process, StressArea[]>();
  readonly #pins: Pin[] = [];
  readonly #evictions: (cdmsim.Envelope | EnvelopeData)[] = [];
  readonly #coherence: PageCaches | null;
  readonly #cachedWord: CachedFirstWord | undefined;
  #opsStarted = 0;
  #busy = false;
  #finished = false;
  /** An 'mm op' timer is pending: at most one chain of operations runs, whatever evictions come in between. */
  #opTimerPending = false;
  #sabotaged = false;
  #current: MmStressOp | 'read' | 'evict' | 'release-all' = 'noop';

  /**
   * `remotes`: the device memories registered in `core`, by device node;
   * `memcgChoices`: memcgs this node's processes may join; `checkedMemcgs`:
   * those only this node charges (their counters are checked here).
   * `coherence`: with caches, this node's cache and page coherence (stores
   * go through the cache, DMA sources are flushed, data is read back
   * through the cache).
   */
  constructor(
    kernel: NodeKernel,
    spec: MmStressWorkloadSpec,
    core: MmCore,
    remotes: ReadonlyMap<NodeId, RemoteDeviceMemory>,
    devices: readonly { readonly node: NodeId; readonly kind: 'public' | 'private' }[],
    memcgChoices: readonly MemcgId[],
    checkedMemcgs: readonly MemcgId[],
    coherence: PageCaches | null = null,
  ) {
    this.#kernel = kernel;
    this.#core = core;
    this.#spec = spec;
    this.#remotes = remotes;
    this.#devices = devices;
    this.#memcgChoices = memcgChoices;
    this.#checkedMemcgs = checkedMemcgs;
    this.#coherence = coherence;
    this.#cachedWord = coherence ? (pfn) => coherence.node.cachedData(coherence.lines.lineOf(pfn)) : undefined;
    this.#migrations = new NodeMigrations(kernel, core, remotes, coherence?.pages ?? null);
    const ram = core.ram.get(kernel.self as number as MemNodeId);
    if (!ram) throw new Error(`node ${kernel.spec.name}: its MmCore does not own its RAM`);
    this.#ram = ram;
    this.stats = {
      operations: Object.fromEntries(MM_STRESS_OPS.map((k) => [k, 0])) as Record<MmStressOp, number>,
      cachedReads: 0,
      expectedErrors: {},
      migrations: this.#migrations.stats,
      pagesToPublic: 0,
      pagesToPrivate: 0,
      deviceFaults: 0,
      evictionRequests: 0,
      evictedPages: 0,
      pageFreesSent: 0,
      faults: 0,
      cowCopies: 0,
      lazyFreed: 0,
      pins: { shortTerm: 0, longTerm: 0, pages: 0, released: 0 },
      checks: 0,
      peakRamPages: 0,
    };
    kernel.on('migrate', (env) => this.#evictionRequest(env));
  }

  /** Schedules the first operation. */
  begin(): void {
    this.#kernel.reportWork(0, this.#spec.opsPerCpu);
    this.#scheduleOp(0);
  }

  /** Schedules the next operation `costPs` plus a think time from now, unless one is already scheduled. */
  #scheduleOp(costPs: Ps): void {
    if (this.#opTimerPending) return;
    this.#opTimerPending = true;
    this.#kernel.after(costPs + this.#think(), 'mm op', () => {
      this.#opTimerPending = false;
      this.#next();
    });
  }

  #think(): Ps {
    const think = this.#kernel.rng.int(0, this.#spec.maxThinkPs);
    if (this.#spec.testOnlySabotage !== 'racy-shared-read') return think;
    // Sabotage: a read of state the other CPU node writes in the same round, so the time depends on thread timing.
    return think + (this.#core.memcgs.get(ROOT_MEMCG).usagePages % 7) * 1000;
  }

  #fail(message: string): never {
    throw new InvariantViolation(`node ${this.#kernel.spec.name}, operation ${this.#opsStarted} (${this.#current}): ${message}`, this.#kernel.seed);
  }

  /** Runs the next queued eviction or random operation, or the final release when all are done. */
  #next(): void {
    if (this.#busy) return;
    const eviction = this.#evictions.shift();
    if (eviction) {
      this.#busy = true;
      this.#current = 'evict';
      this.#serveEviction(eviction, () => this.#opDone(0));
      return;
    }
    if (this.#opsStarted >= this.#spec.opsPerCpu) {
      if (!this.#finished) this.#releaseAll();
      return;
    }
    this.#busy = true;
    this.#opsStarted++;
    const faultsBefore = this.#core.stats.faults;
    this.#runOp(() => this.#opDone(this.#core.stats.faults - faultsBefore));
  }

  /** After an operation: checks, then the next operation after its cost and a think time. */
  #opDone(faults: number): void {
    const op = this.#current;
    if (op === 'read') this.stats.cachedReads++;
    else if (op !== 'evict' && op !== 'release-all') this.stats.operations[op]++;
    this.#sabotage();
    this.#check();
    this.#kernel.reportWork(this.#opsStarted, this.#spec.opsPerCpu);
    this.#busy = false;
    this.#scheduleOp(MM_OP_BASE_PS + faults * (this.#kernel.spec as CpuNodeSpec).faultLatencyPs);
  }

  #check(): void {
    const dataError = checkStressData(this.#core, this.#areas, this.#cachedWord);
    if (dataError) this.#fail(dataError);
    try {
      checkInvariants(this.#core, this.#kernel.seed, { memcgs: this.#checkedMemcgs, idleDevicePages: false });
    } catch (e) {
      this.#fail(e instanceof Error ? e.message : String(e));
    }
    this.stats.checks++;
    this.stats.peakRamPages = Math.max(this.stats.peakRamPages, this.ramPagesInUse);
  }

  /** RAM pages of this node in use, the zero page excluded. */
  /** RAM pages this node's processes hold (the zero page not counted). */
  get ramPagesInUse(): number {
    return this.#ram.allocatedCount() - (this.#core.ownsZeroPage ? 1 : 0);
  }

  #expect(op: MmStressOp | 'read', r: Errno, allowed: readonly Errno[]): void {
    if (r === Errno.OK) return;
    if (!allowed.includes(r)) this.#fail(`${op} returned ${Errno[r] ?? r}, expected OK${allowed.length ? ' or ' + allowed.map((e) => Errno[e]).join(' or ') : ''}`);
    const key = `${op}:${Errno[r]}`;
    this.stats.expectedErrors[key] = (this.stats.expectedErrors[key] ?? 0) + 1;
  }

  #pick<T>(xs: readonly T[]): T | undefined {
    return xs.length ? xs[this.#kernel.rng.int(0, xs.length - 1)] : undefined;
  }

  /**
   * Runs `attempt`; while it leaves device-private faults pending (the
   * access returned EAGAIN through RemoteDeviceMemory.fault), migrates
   * those pages back to RAM with the owning device doing the copy, then
   * runs `attempt` again. Calls `done` with the last result.
   */
  #withDeviceFaults<T>(attempt: () => T, done: (result: T) => void, round = 0): void {
    const result = attempt();
    const faults = [...this.#remotes.values()].flatMap((r) => r.pendingFaults.splice(0));
    if (faults.length === 0 || round >= MAX_FAULT_ROUNDS) return done(result);
    const serve = (i: number): void => {
      if (i === faults.length) return this.#withDeviceFaults(attempt, done, round + 1);
      const f = faults[i]!;
      const proc = this.#core.processes.get(f.pid);
      if (!proc) return serve(i + 1);
      this.stats.deviceFaults++;
      this.#migrations.toRam(proc, f.vpn, f.vpn + 1, 'device-fault', () => serve(i + 1));
    };
    serve(0);
  }

  #runOp(done: () => void): void {
    const rng = this.#kernel.rng;
    const core = this.#core;
    const p = this.#pick([...this.#areas.keys()]);
    const op = rng.int(0, 13);
    this.#current = 'noop';
    if (!p || op === 0) {
      if (this.#areas.size < this.#spec.processesPerCpu) {
        this.#current = 'spawn';
        this.#areas.set(createProcess(core, this.#kernel.self as number as Process['cpuNode'], this.#pick(this.#memcgChoices)), []);
      }
      return done();
    }
    if (op === 1 || this.#areas.get(p)!.length === 0) {
      this.#current = 'mmap';
      const pages = rng.int(1, 6);
      const r = mmap(core, p, { pages, kind: 'anon' });
      if (isErrPtr(r)) this.#fail(`mmap of ${pages} pages failed: ${Errno[ptrErr(r)]}`);
      this.#areas.get(p)!.push({ vpn: r, pages, write: true, data: new Map() });
      return done();
    }
    if (op === 11) {
      this.#current = 'reclaim';
      reclaimLazyFree(core, p.cpuNode);
      return done();
    }
    if (op === 12) {
      this.#current = 'memcg-move';
      const r = memcgMoveTask(core, p, this.#pick(this.#memcgChoices)!);
      if (typeof r !== 'object') this.#expect('memcg-move', r, [Errno.ENOMEM]);
      return done();
    }
    if (op === 13 && this.#pins.length && rng.chance(0.5)) {
      this.#current = 'unpin';
      const pin = this.#pins.splice(rng.int(0, this.#pins.length - 1), 1)[0]!;
      releaseUserPages(core, pin.pfns, { longterm: pin.longterm });
      this.stats.pins.released++;
      return done();
    }
    const areas = this.#areas.get(p)!;
    const area = this.#pick(areas);
    if (!area) return done();
    const vpn = area.vpn + rng.int(0, area.pages - 1);
    const span = rng.int(1, area.vpn + area.pages - vpn);
    switch (op) {
      case 2:
      case 3: {
        if (this.#coherence && op === 3 && rng.chance(0.5)) return this.#cachedAccess(p, area, vpn, undefined, done);
        this.#current = 'write';
        const b = rng.int(0, 255);
        if (this.#coherence) return this.#cachedAccess(p, area, vpn, b, done);
        return this.#withDeviceFaults(
          () => writeBytes(core, p, vpn * core.pageSize, new Uint8Array([b])),
          (r) => {
            if (r === Errno.OK) area.data.set(vpn, b);
            else this.#expect('write', r, [area.write ? Errno.ENOMEM : Errno.EFAULT]);
            done();
          },
        );
      }
      case 4: {
        const d = this.#pick(this.#devices);
        if (!d) return done();
        this.#current = d.kind === 'public' ? 'migrate-to-public' : 'migrate-to-private';
        return this.#migrations.toDevice(p, area.vpn, area.vpn + area.pages, d.node, (r) => {
          if (typeof r === 'object') {
            if (d.kind === 'public') this.stats.pagesToPublic += r.migrated;
            else this.stats.pagesToPrivate += r.migrated;
          } else this.#expect(this.#current as MmStressOp, r, []);
          done();
        });
      }
      case 5:
        this.#current = 'migrate-to-ram';
        return this.#migrations.toRam(p, area.vpn, area.vpn + area.pages, null, (r) => {
          if (typeof r !== 'object') this.#expect('migrate-to-ram', r, []);
          done();
        });
      case 6:
        if (this.#areas.size >= this.#spec.processesPerCpu) return done();
        this.#current = 'fork';
        this.#areas.set(forkProcess(core, p), areas.map((a) => ({ ...a, data: new Map(a.data) })));
        return done();
      case 7:
        if (rng.chance(0.5)) {
          this.#current = 'munmap';
          this.#expect('munmap', munmap(core, p, area.vpn, area.pages), []);
          areas.splice(areas.indexOf(area), 1);
        } else {
          this.#current = 'exit';
          exitProcess(core, p);
          this.#areas.delete(p);
        }
        return done();
      case 8:
        this.#current = 'mprotect';
        this.#expect('mprotect', mprotect(core, p, area.vpn, area.pages, !area.write), []);
        area.write = !area.write;
        return done();
      case 9:
        this.#current = 'madvise-dontneed';
        this.#expect('madvise-dontneed', madvise(core, p, vpn, span, 'dontneed'), []);
        for (let v = vpn; v < vpn + span; v++) area.data.set(v, 0);
        return done();
      case 10:
        this.#current = 'madvise-free';
        this.#expect('madvise-free', madvise(core, p, vpn, span, 'free'), []);
        for (let v = vpn; v < vpn + span; v++) area.data.delete(v); // old value or zeroes, depending on reclaim
        if (rng.chance(0.5)) reclaimLazyFree(core, p.cpuNode);
        return done();
      default:
        return this.#pin(p, area, vpn, span, done);
    }
  }

  /**
   * With caches: the CPU writes byte `store` as the first word of page `vpn`
   * (or, with `store` undefined, loads that word) through its cache. The
   * page is faulted in first (COW, device-private fault-back; a read fault
   * maps the zero page, which reads 0 without a cache line); then the access
   * goes to the line, a miss crossing the bus to the line's home (a device
   * for device-public memory). A load must return the last byte written when
   * it is known. `done` runs when the access performed.
   */
  #cachedAccess(p: Process, area: StressArea, vpn: number, store: number | undefined, done: () => void): void {
    const c = this.#coherence!;
    const write = store !== undefined;
    const kind = write ? 'write' : 'read';
    this.#current = kind;
    this.#withDeviceFaults(
      () => accessPfn(this.#core, p, vpn, write),
      (pfn) => {
        if (isErrPtr(pfn)) {
          this.#expect(kind, ptrErr(pfn), [write && !area.write ? Errno.EFAULT : Errno.ENOMEM]);
          return done();
        }
        const performed = (value: number): void => {
          const expected = area.data.get(vpn);
          if (write) area.data.set(vpn, store);
          else if (expected !== undefined && (value & 0xff) !== expected) this.#fail(`pid ${p.pid} vpn ${vpn} (pfn ${pfn}) loaded ${value & 0xff} through the cache, expected ${expected} (last written)`);
          done();
        };
        if (pfn === this.#core.zeroPfn) return performed(0);
        const line = c.lines.lineOf(pfn);
        const refused = write ? c.node.store(line, store, performed) : c.node.load(line, performed);
        if (refused) this.#fail(`a ${write ? 'store to' : 'load of'} pfn ${pfn} was refused (${refused}): a CPU never maps device-private memory`);
      },
    );
  }

  /** A short- or long-term GUP pin of [vpn, vpn+span). A long-term pin first moves device pages of the range to RAM (device memory is never pinned [6/6]). */
  #pin(p: Process, area: StressArea, vpn: number, span: number, done: () => void): void {
    const core = this.#core;
    const longterm = this.#kernel.rng.chance(0.5);
    const write = area.write && this.#kernel.rng.chance(0.5);
    const kind: MmStressOp = longterm ? 'pin-longterm' : 'pin-short';
    this.#current = kind;
    const pin = (): void =>
      this.#withDeviceFaults(
        () => getUserPages(core, p, vpn, span, { longterm, write }),
        (r) => {
          if (Array.isArray(r)) {
            this.#pins.push({ pfns: r, longterm });
            if (longterm) this.stats.pins.longTerm++;
            else this.stats.pins.shortTerm++;
            this.stats.pins.pages += r.length;
          } else this.#expect(kind, r, [Errno.ENOMEM, Errno.EBUSY]);
          done();
        },
      );
    if (!longterm) return pin();
    this.#migrations.toRam(p, vpn, vpn + span, 'gup-longterm', () => pin());
  }

  /** Queues an eviction request of a device driver (served between operations). */
  #evictionRequest(env: cdmsim.Envelope | EnvelopeData): void {
    this.#evictions.push(env);
    if (!this.#busy) this.#kernel.after(0, 'mm evict', () => this.#next());
  }

  /** Migrates back to RAM every page of the request this node still holds and maps, then answers the driver. */
  #serveEviction(env: cdmsim.Envelope | EnvelopeData, done: () => void): void {
    this.stats.evictionRequests++;
    const device = env.src as NodeId;
    const remote = this.#remotes.get(device);
    const targets: { proc: Process; vpn: number }[] = [];
    for (const pfn of env.migrate!.pfns ?? []) {
      if (!remote?.holds(pfn)) continue; // freed meanwhile (its PageFree is on the way)
      const hit = rmapWalk(this.#core, pfn)[0];
      if (hit) targets.push({ proc: hit.proc, vpn: hit.vpn });
    }
    let migrated = 0;
    let skipped = 0;
    const step = (i: number): void => {
      if (i === targets.length) {
        this.stats.evictedPages += migrated;
        this.#kernel.send(device, { txn: env.txn ?? 0, migrateDone: { migrated, skipped } });
        return done();
      }
      const t = targets[i]!;
      this.#migrations.toRam(t.proc, t.vpn, t.vpn + 1, `evict-${device}`, (r: MigrateResult | Errno) => {
        if (typeof r === 'object') {
          migrated += r.migrated;
          skipped += r.skipped;
        } else skipped++;
        step(i + 1);
      });
    };
    step(0);
  }

  /** Test-only sabotage: breaks one rule once, halfway through, on the first CPU node. */
  #sabotage(): void {
    const kind = this.#spec.testOnlySabotage;
    if (!kind || kind === 'racy-shared-read' || kind === 'skip-dma-flush' || kind === 'skip-free-invalidate' || this.#sabotaged || this.#opsStarted < this.#spec.opsPerCpu / 2 || this.#kernel.self !== this.#kernel.topology.cpus[0]!.id) return;
    if (kind === 'corrupt-rss') {
      const p = this.#areas.keys().next().value;
      if (!p) return;
      p.rss.anon++;
    } else {
      const pfn = this.#ram.allocatedPfns().find((x) => x !== this.#core.zeroPfn && this.#core.frames.refcount(x) > 0); // not a freed frame waiting for its invalidation
      if (pfn === undefined) return;
      getPage(this.#core, pfn); // never put: a skipped putPage
    }
    this.#sabotaged = true;
  }

  /**
   * After the last operation: releases every pin, exits every process, and
   * (once every freed frame's cached lines are invalidated and the frame is
   * back) checks that everything came back.
   */
  #releaseAll(): void {
    this.#current = 'release-all';
    this.#busy = true;
    for (const pin of this.#pins.splice(0)) releaseUserPages(this.#core, pin.pfns, { longterm: pin.longterm });
    for (const p of [...this.#areas.keys()]) exitProcess(this.#core, p);
    this.#areas.clear();
    if (this.#coherence) this.#coherence.pages.whenIdle(() => this.#checkAllBack());
    else this.#checkAllBack();
  }

  #checkAllBack(): void {
    this.#busy = false;
    this.#check();
    for (const r of this.#remotes.values()) {
      const held = [...r.inUsePages()];
      if (held.length) this.#fail(`${held.length} pages of node ${r.device} still held after every process exited (e.g. pfn ${held[0]})`);
    }
    const used = this.ramPagesInUse;
    if (used !== 0) this.#fail(`${used} RAM pages still allocated after every process exited`);
    this.#finished = true;
    if (this.#evictions.length) this.#next(); // requests that came in while the frames were being invalidated
  }

  /** Returns this node's counters; throws InvariantViolation if the run ended before the final release (a hang or lost message). */
  finish(): MmStressCpuStats {
    if (!this.#finished) this.#fail(`the run ended with ${this.#spec.opsPerCpu - this.#opsStarted} operations not started and ${this.#migrations.inFlight} DMA requests unanswered`);
    const s = this.#core.stats;
    this.stats.faults = s.faults;
    this.stats.cowCopies = s.cowCopies;
    this.stats.lazyFreed = s.lazyFreed;
    this.stats.pageFreesSent = [...this.#remotes.values()].reduce((n, r) => n + r.pageFreesSent, 0);
    return structuredClone(this.stats);
  }
}
