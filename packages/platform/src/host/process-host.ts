/**
 * The processes of one CPU node and the CPU-side services devices call:
 * the range fault that snapshots (and faults in) a process range for a
 * device mirror (`hmm_range_fault` run on the device's behalf). Allocation
 * follows the default placement policy: the faulting process's local RAM.
 */
import type { NodeId, Ps } from '@cdmsim/engine';
import { cdmsim, type EnvelopeData } from '@cdmsim/proto';
import type { NodeKernel } from '@cdmsim/kernel';
import type { AddressSpace } from './address-space.js';
import type { FrameAllocator } from '../memory/frame-allocator.js';

/** Counters of the CPU-side memory management (plain data). */
export interface ProcessHostStats {
  anonFaults: number;
  rangeFaults: number;
  rangeFaultPages: number;
  framesFreed: number;
}

/** Page-table levels a walk reads (4-level x86-64 / POWER radix). */
const WALK_LEVELS = 4;

/** Processes of one CPU node. */
export class ProcessHost {
  readonly stats: ProcessHostStats = { anonFaults: 0, rangeFaults: 0, rangeFaultPages: 0, framesFreed: 0 };
  readonly #kernel: NodeKernel;
  readonly #processes = new Map<number, AddressSpace>();
  readonly #localRam: FrameAllocator;
  readonly #release: (pfn: number) => void;

  /** `release(pfn)` frees a frame whose last reference went (content and allocator). */
  constructor(kernel: NodeKernel, localRam: FrameAllocator, release: (pfn: number) => void) {
    this.#kernel = kernel;
    this.#localRam = localRam;
    this.#release = release;
  }

  /** Registers a process's address space on this node. */
  add(mm: AddressSpace): void {
    this.#processes.set(mm.pid, mm);
  }

  /** Removes a process, tearing its address space down; returns the frames freed. */
  exit(pid: number): number {
    const mm = this.#processes.get(pid);
    if (!mm) throw new Error(`no process ${pid} on node ${this.#kernel.spec.name}`);
    let freed = 0;
    mm.teardown((pfn) => {
      this.#release(pfn);
      freed++;
    });
    this.#processes.delete(pid);
    this.stats.framesFreed += freed;
    return freed;
  }

  /** Anonymous first-touch fault for the process itself; returns the pfn or throws on EFAULT/ENOMEM. */
  touch(mm: AddressSpace, vpn: number): number {
    const r = mm.faultAnon(vpn, () => this.#localRam.alloc());
    if (!r.ok) throw new Error(`pid ${mm.pid}: fault at vpn ${vpn} failed with ${r.error}`);
    if (r.allocated) this.stats.anonFaults++;
    return r.pfn;
  }

  /** Time to walk the page table for `npages` entries (DRAM reads; no walk cache is modelled). */
  walkPs(npages: number): Ps {
    const dram = this.#kernel.spec.memory.latencyPs;
    return WALK_LEVELS * dram + Math.ceil(npages / 8) * dram;
  }

  /**
   * Handles a device's RangeFault: snapshots the range, faulting in pages
   * that have no entry yet, and replies with one pfn and HMM flags per page.
   */
  rangeFault(env: EnvelopeData): void {
    const req = env.rangeFault!;
    const mm = this.#processes.get(req.pid ?? 0);
    const pageSize = this.#kernel.topology.pageSizeBytes;
    const firstVpn = Math.floor((req.vaddr ?? 0) / pageSize);
    const npages = req.npages ?? 0;
    const pfns: number[] = [];
    const flags: number[] = [];
    let error = 0;
    let faultedPs = 0;
    this.stats.rangeFaults++;
    this.stats.rangeFaultPages += npages;
    for (let i = 0; i < npages && mm && !error; i++) {
      const r = mm.faultAnon(firstVpn + i, () => this.#localRam.alloc());
      if (!r.ok) {
        error = r.error === 'EFAULT' ? -14 : -12;
        break;
      }
      if (r.allocated) {
        this.stats.anonFaults++;
        faultedPs += this.#faultPs();
      }
      const writable = mm.findVma((firstVpn + i) * pageSize)?.writable ?? false;
      pfns.push(r.pfn);
      flags.push(cdmsim.HmmPfnFlag.HMM_PFN_VALID | (writable ? cdmsim.HmmPfnFlag.HMM_PFN_WRITE : 0));
    }
    if (!mm) error = -14;
    const doneAt = this.#kernel.nowPs + this.walkPs(npages) + faultedPs;
    this.#kernel.at(doneAt, 'range fault reply', () =>
      this.#kernel.send(env.src as NodeId, {
        txn: env.txn ?? 0,
        rangeFaultReply: { pid: req.pid ?? 0, vaddr: req.vaddr ?? 0, pfns, flags, error },
      }),
    );
  }

  #faultPs(): Ps {
    const spec = this.#kernel.spec;
    return spec.kind === 'cpu' ? spec.faultLatencyPs : 0;
  }
}
