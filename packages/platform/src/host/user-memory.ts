/**
 * A process's own loads and stores of its memory, as a test program on the
 * CPU node makes them (`ptr[i] = i`, `ASSERT_EQ(ptr[i], i)`): each page is
 * reached through the CPU fault path (`Host.userAccess`: first-touch
 * faults, copy on write with the mirrors invalidated first, device-private
 * pages migrated back to RAM by their driver), then the bytes move: from
 * this node's RAM through its home agent, from the zero page as zeros, and
 * from another node's memory (device-public memory, mapped by a devmap PTE)
 * as an uncached access over the coherent links to that memory's home.
 */
import { CdmsimError, type Ps } from '@cdmsim/engine';
import { Errno, isErrPtr, ptrErr, type Process } from '@cdmsim/mm';
import { cdmsim } from '@cdmsim/proto';
import { PendingReplies, type NodeKernel } from '@cdmsim/kernel';
import type { HomeAgent } from '../memory/home-agent.js';
import type { MemoryRanges } from '../memory/memory-map.js';
import type { Host } from './host.js';

/** Counters of a node's user accesses (plain data). */
export interface UserMemoryStats {
  /** Page-sized pieces read and written. */
  reads: number;
  writes: number;
  /** Pieces that went to another node's memory over the bus. */
  remoteAccesses: number;
}

/** The user accesses of the processes of one CPU node. */
export class UserMemory {
  readonly stats: UserMemoryStats = { reads: 0, writes: 0, remoteAccesses: 0 };
  readonly #kernel: NodeKernel;
  readonly #host: Host;
  readonly #memory: MemoryRanges;
  readonly #home: HomeAgent;
  readonly #remote: PendingReplies;

  /** `home` is this node's RAM's home agent; `memory` locates every other pfn's home. Registers the MemResponse handler on `kernel`. */
  constructor(kernel: NodeKernel, host: Host, memory: MemoryRanges, home: HomeAgent) {
    this.#kernel = kernel;
    this.#host = host;
    this.#memory = memory;
    this.#home = home;
    this.#remote = new PendingReplies(kernel, 'memResp', 'mem-client');
  }

  /** Reads `size` bytes at `va` of `proc`; `done` gets them, or the errno of the first page that could not be reached (EFAULT outside a readable VMA). Caller holds the mmap lock until `done`. */
  read(proc: Process, va: number, size: number, done: (result: Uint8Array | Errno) => void): void {
    const out = new Uint8Array(size);
    this.#pieces(proc, va, size, false, (pfn, off, at, n, next) => this.#move(pfn, off, out.subarray(at, at + n), false, next), (r) => done(r === Errno.OK ? out : r));
  }

  /** Writes `data` at `va` of `proc`; `done` gets OK or the errno of the first page that could not be reached (EFAULT, or a write to a read-only VMA). Caller holds the mmap lock until `done`. */
  write(proc: Process, va: number, data: Uint8Array, done: (result: Errno) => void): void {
    this.#pieces(proc, va, data.length, true, (pfn, off, at, n, next) => this.#move(pfn, off, data.subarray(at, at + n), true, next), done);
  }

  /** Walks [va, va + size) page by page in order: reaches each page (`Host.userAccess`), then `each` moves its piece and calls `next`. */
  #pieces(proc: Process, va: number, size: number, write: boolean, each: (pfn: number, offset: number, at: number, n: number, next: () => void) => void, done: (r: Errno) => void): void {
    const pageSize = this.#kernel.topology.pageSizeBytes;
    const step = (at: number): void => {
      if (at >= size) return done(Errno.OK);
      const addr = va + at;
      const vpn = Math.floor(addr / pageSize);
      const off = addr - vpn * pageSize;
      const n = Math.min(pageSize - off, size - at);
      this.#host.userAccess(proc, vpn, write, (pfn) => {
        if (isErrPtr(pfn)) return done(ptrErr(pfn));
        each(pfn, off, at, n, () => step(at + n));
      });
    };
    step(0);
  }

  /** Moves `bytes` to (write) or from frame `pfn` at `offset`, then calls `next` when the access is done. */
  #move(pfn: number, offset: number, bytes: Uint8Array, write: boolean, next: () => void): void {
    if (write) this.stats.writes++;
    else this.stats.reads++;
    if (!write && pfn === this.#host.core.zeroPfn) {
      bytes.fill(0);
      return next();
    }
    const range = this.#memory.of(pfn);
    if (!range) throw new CdmsimError(`node ${this.#kernel.spec.name}: a user access reached pfn ${pfn}, which belongs to no memory`);
    if (range.home === this.#kernel.self) {
      const doneAt: Ps = this.#home.localAccess(pfn, offset, bytes, write);
      return this.#kernel.at(doneAt, 'user access', next);
    }
    this.stats.remoteAccesses++;
    const paddr = pfn * this.#kernel.topology.pageSizeBytes + offset;
    const memReq = write ? { op: cdmsim.MemOp.MEM_WRITE, paddr, size: bytes.length, data: bytes.slice() } : { op: cdmsim.MemOp.MEM_READ, paddr, size: bytes.length };
    this.#remote.send(range.home, { memReq }, (env) => {
      if (!write) bytes.set(env.memResp?.data ?? new Uint8Array(bytes.length));
      next();
    });
  }
}
