/**
 * The home agent of one memory (a CPU node's DRAM or a device's memory):
 * serves every access that reaches this memory over the bus. It owns the
 * memory's channel: accesses queue for it, each occupies it for size /
 * bandwidth, and the answer leaves after the memory's latency. Data is read
 * from and written to the shared page contents under the page lock.
 * It serves uncached accesses (MEM_READ / MEM_WRITE); the directory of the
 * coherence protocol is the node's `CoherentNode` (cache/).
 */
import { CdmsimError, serializationPs, type NodeId, type Ps } from '@cdmsim/engine';
import { cdmsim, type EnvelopeData } from '@cdmsim/proto';
import type { NodeKernel } from '@cdmsim/kernel';
import type { MemoryRange } from './memory-map.js';
import type { PageMemory } from './page-memory.js';

/** Counters of a home agent (plain data). */
export interface HomeAgentStats {
  reads: number;
  writes: number;
  bytesRead: number;
  bytesWritten: number;
  /** Time the memory channel was busy. */
  busyPs: Ps;
  /** Total time accesses waited for the channel. */
  queueDelayPs: Ps;
  badAddress: number;
}


/** Home agent of one memory range. */
export class HomeAgent {
  readonly stats: HomeAgentStats = { reads: 0, writes: 0, bytesRead: 0, bytesWritten: 0, busyPs: 0, queueDelayPs: 0, badAddress: 0 };
  readonly #kernel: NodeKernel;
  readonly #range: MemoryRange;
  readonly #pages: PageMemory;
  #channelFreePs: Ps = 0;

  /** Serves `range` with `pages` as its contents; registers the MemRequest handler on `kernel` (no other handler may take that kind). */
  constructor(kernel: NodeKernel, range: MemoryRange, pages: PageMemory) {
    this.#kernel = kernel;
    this.#range = range;
    this.#pages = pages;
    kernel.on('memReq', 'home-agent', (env) => this.handle(env));
  }

  /**
   * Charges one access of `bytes` to the memory channel starting no earlier
   * than now; returns the time its data is available.
   */
  occupy(bytes: number): Ps {
    const spec = this.#kernel.spec.memory;
    const now = this.#kernel.nowPs;
    const start = Math.max(now, this.#channelFreePs);
    const transfer = serializationPs(bytes, spec.bandwidthBytesPerNs);
    this.#channelFreePs = start + transfer;
    this.stats.busyPs += transfer;
    this.stats.queueDelayPs += start - now;
    return start + transfer + spec.latencyPs;
  }

  /**
   * An access by this node itself to its own memory (no bus): reads or
   * writes the bytes under the page lock, counts it, and charges the
   * channel. Returns the simulated time the access completes.
   */
  localAccess(pfn: number, offset: number, bytes: Uint8Array, write: boolean): Ps {
    if (write) {
      this.#pages.write(pfn, offset, bytes);
      this.stats.writes++;
      this.stats.bytesWritten += bytes.length;
    } else {
      this.#pages.read(pfn, offset, bytes);
      this.stats.reads++;
      this.stats.bytesRead += bytes.length;
    }
    return this.occupy(bytes.length);
  }

  /** Handles a MemRequest envelope addressed to this node. */
  handle(env: EnvelopeData): void {
    const req = env.memReq!;
    const pageSize = this.#kernel.topology.pageSizeBytes;
    const paddr = req.paddr ?? 0;
    const size = req.size ?? 0;
    const pfn = Math.floor(paddr / pageSize);
    const offset = paddr % pageSize;
    const reply = (resp: cdmsim.MemResponse.$Properties, atPs: Ps): void =>
      this.#kernel.sendAt(atPs, 'memory response', env.src as NodeId, { txn: env.txn ?? 0, memResp: resp });
    if (pfn < this.#range.firstPfn || pfn >= this.#range.firstPfn + this.#range.frameCount || offset + size > pageSize) {
      this.stats.badAddress++;
      // Even a refusal waits for the memory's latency: the bus protocol declares it (MESSAGE_PORTS memReq reactsAfter).
      reply({ op: req.op ?? 0, paddr, size, status: cdmsim.MemStatus.MEM_BAD_ADDRESS }, this.#kernel.nowPs + this.#kernel.spec.memory.latencyPs);
      return;
    }
    switch (req.op ?? cdmsim.MemOp.MEM_READ) {
      case cdmsim.MemOp.MEM_READ: {
        const data = new Uint8Array(size);
        this.#pages.read(pfn, offset, data);
        this.stats.reads++;
        this.stats.bytesRead += size;
        reply({ op: cdmsim.MemOp.MEM_READ, paddr, size, data }, this.occupy(size));
        return;
      }
      case cdmsim.MemOp.MEM_WRITE: {
        const data = req.data ?? new Uint8Array(0);
        this.#pages.write(pfn, offset, data);
        this.stats.writes++;
        this.stats.bytesWritten += data.length;
        reply({ op: cdmsim.MemOp.MEM_WRITE, paddr, size: data.length }, this.occupy(data.length));
        return;
      }
      default:
        throw new CdmsimError(`home agent of memory ${this.#range.memNode}: unsupported op ${req.op}`);
    }
  }
}
