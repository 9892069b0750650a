/**
 * The processes of one CPU node, on the memory manager (@cdmsim/mm), and the
 * CPU-side services devices call: the range fault that snapshots (and
 * faults in) a process range for a device's mirror (`hmm_range_fault` run
 * on the device's behalf, answered over the bus after the page-table walk
 * and the faults it took). Allocation follows the process's placement
 * policy (local RAM first).
 */
import { CdmsimError, type MemNodeId, type NodeId, type Pid, type Ps } from '@cdmsim/engine';
import { accessPfn, createProcess, Errno, exitProcess, hmmRangeFault, isErrPtr, mmap, ptrErr, type MemcgId, type MmCore, type PageAllocator, type Process } from '@cdmsim/mm';
import { PteKind, pteKind } from '@cdmsim/shm';
import type { cdmsim, EnvelopeData } from '@cdmsim/proto';
import type { NodeKernel } from '@cdmsim/kernel';

/** Counters of a CPU node's process hosting (plain data). */
export interface HostStats {
  /** CPU page faults of this node's processes (including those taken for range faults). */
  faults: number;
  /** Range faults served for devices, and the pages they covered. */
  rangeFaults: number;
  rangeFaultPages: number;
  /** Frames freed when processes exited. */
  framesFreed: number;
}

/** Page-table levels a walk reads (4-level x86-64 / POWER radix). */
const WALK_LEVELS = 4;

/** The processes of one CPU node. */
export class Host {
  readonly stats: HostStats = { faults: 0, rangeFaults: 0, rangeFaultPages: 0, framesFreed: 0 };
  /** This node's MmCore (it owns this node's RAM). */
  readonly core: MmCore;
  readonly #kernel: NodeKernel;
  readonly #ram: PageAllocator;

  /**
   * Hosts processes on `core` (this CPU node's MmCore, owning its RAM) and
   * registers the RangeFault handler on `kernel`.
   * @throws CdmsimError when `core` does not own this node's RAM.
   */
  constructor(kernel: NodeKernel, core: MmCore) {
    this.#kernel = kernel;
    this.core = core;
    const ram = core.ram.get(kernel.self as number as MemNodeId);
    if (!ram) throw new CdmsimError(`node ${kernel.spec.name}: its MmCore does not own its RAM`);
    this.#ram = ram;
    kernel.on('rangeFault', (env) => this.#rangeFault(env));
  }

  /** Frames of this node's RAM allocated now (the zero page included). */
  get framesInUse(): number {
    return this.#ram.allocatedCount();
  }

  /** Distinct frames of this node's RAM ever allocated in the run (the zero page included). */
  get framesTouched(): number {
    return this.#ram.touchedCount();
  }

  /** Starts a process on this node in memcg `memcg` (default root); returns it. */
  spawn(memcg?: MemcgId): Process {
    return createProcess(this.core, this.#kernel.self as number as MemNodeId, memcg);
  }

  /**
   * Maps `bytes` of anonymous private memory in `proc` (`mmap(MAP_ANONYMOUS | MAP_PRIVATE)`); returns its first vpn.
   * @throws CdmsimError when the mapping fails (the address space is full: a setup bug).
   */
  mmapAnon(proc: Process, bytes: number): number {
    const pages = Math.ceil(bytes / this.core.pageSize);
    const vpn = mmap(this.core, proc, { pages, kind: 'anon' });
    if (isErrPtr(vpn)) throw new CdmsimError(`node ${this.#kernel.spec.name}: mmap of ${pages} pages for pid ${proc.pid} failed: ${Errno[ptrErr(vpn)]}`);
    return vpn;
  }

  /**
   * The CPU touches page `vpn` of `proc` (`handle_mm_fault` when the entry
   * does not allow the access): returns the pfn it can access, or
   * `errPtr(errno)` (EFAULT, ENOMEM, EAGAIN; test with `isErrPtr`). Counts
   * the faults it took.
   */
  touch(proc: Process, vpn: number, write: boolean): number {
    const before = this.core.stats.faults;
    const pfn = accessPfn(this.core, proc, vpn, write);
    this.stats.faults += this.core.stats.faults - before;
    return pfn;
  }

  /** Returns the pfn a present (or devmap) entry of `proc` maps at `vpn`, or undefined (no walk cost, no fault). */
  presentPfn(proc: Process, vpn: number): number | undefined {
    const pt = this.core.pageTables;
    const pte = pt.lookup(proc.root, vpn);
    if (pte < 0) return undefined;
    const kind = pteKind(pt.readBits(pte));
    return kind === PteKind.PRESENT || kind === PteKind.DEVMAP ? pt.readPfn(pte) : undefined;
  }

  /** The process exits (`exit_mmap`): every mapping is torn down. Returns the frames of this node's RAM it freed. */
  exit(proc: Process): number {
    const before = this.#ram.allocatedCount();
    exitProcess(this.core, proc);
    const freed = before - this.#ram.allocatedCount();
    this.stats.framesFreed += freed;
    return freed;
  }

  /** Time to walk the page table for `npages` entries (DRAM reads; no walk cache is modelled). */
  walkPs(npages: number): Ps {
    const dram = this.#kernel.spec.memory.latencyPs;
    return WALK_LEVELS * dram + Math.ceil(npages / 8) * dram;
  }

  /**
   * Serves a device's RangeFault (`hmm_range_fault` on its behalf): faults
   * the range in (write access when asked) and replies with one pfn and
   * HMM flags per page, after the walk and the faults it took. A failed
   * walk replies with the negative errno and no pages.
   */
  #rangeFault(env: cdmsim.Envelope | EnvelopeData): void {
    const req = env.rangeFault!;
    const pageSize = this.#kernel.topology.pageSizeBytes;
    const firstVpn = Math.floor((req.vaddr ?? 0) / pageSize);
    const npages = req.npages ?? 0;
    this.stats.rangeFaults++;
    this.stats.rangeFaultPages += npages;
    const proc = this.core.processes.get((req.pid ?? 0) as Pid);
    const r = proc ? hmmRangeFault(this.core, proc, firstVpn, npages, { fault: true, write: req.write ?? false, ownerMemNode: env.src ?? -1 }) : Errno.ESRCH;
    const faults = typeof r === 'number' ? 0 : r.faults;
    this.stats.faults += faults;
    const doneAt = this.#kernel.nowPs + this.walkPs(npages) + faults * this.#faultPs();
    const reply = typeof r === 'number' ? { pfns: [], flags: [], error: -r } : { pfns: r.pfns, flags: r.flags, error: 0 };
    this.#kernel.at(doneAt, 'range fault reply', () =>
      this.#kernel.send(env.src as NodeId, { txn: env.txn ?? 0, rangeFaultReply: { pid: req.pid ?? 0, vaddr: req.vaddr ?? 0, ...reply } }),
    );
  }

  #faultPs(): Ps {
    const spec = this.#kernel.spec;
    return spec.kind === 'cpu' ? spec.faultLatencyPs : 0;
  }
}
