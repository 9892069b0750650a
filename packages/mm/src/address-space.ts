/**
 * Processes and their address spaces (`struct mm_struct`): VMAs, the page
 * table root, rss counters, memcg and mmu-notifier subscribers, plus
 * mmap / munmap / process creation. Each process is owned by the CPU node
 * it lives on; callers hold its mmap lock (one caller at a time).
 */
import { CdmsimError, type MemNodeId, type Pid } from '@cdmsim/engine';
import { PageType, VPN_LIMIT } from '@cdmsim/shm';
import { Errno, errPtr } from './errno.js';
import { ROOT_MEMCG, type MemcgId } from './memcg.js';
import type { MmCore } from './mm-core.js';
import { MmuNotifierChain, MmuNotifyEvent } from './mmu-notifier.js';
import type { PageCache } from './page-cache.js';
import { RssCounters } from './rss.js';
import { Vma, type VmaKind } from './vma.js';
import { removeVma } from './zap.js';

/** First virtual page number handed out by mmap without a fixed address. */
export const MMAP_BASE_VPN = 0x10000;

/** One process: an address space on a CPU node. */
export class Process {
  readonly pid: Pid;
  /** The RAM node of the CPU node it runs on (default placement target). */
  readonly cpuNode: MemNodeId;
  /** Root page-table index in PageTables. */
  readonly root: number;
  /** VMAs sorted by start, non-overlapping. */
  readonly vmas: Vma[] = [];
  readonly rss = new RssCounters();
  readonly notifiers = new MmuNotifierChain();
  memcg: MemcgId;
  /** Next free vpn for mmap without an address. */
  mmapCursor = MMAP_BASE_VPN;

  constructor(pid: Pid, cpuNode: MemNodeId, root: number, memcg: MemcgId) {
    this.pid = pid;
    this.cpuNode = cpuNode;
    this.root = root;
    this.memcg = memcg;
  }

  /** Returns the VMA containing `vpn` (`find_vma` + range check), or undefined. */
  findVma(vpn: number): Vma | undefined {
    for (const v of this.vmas) if (vpn >= v.start && vpn < v.end) return v;
    return undefined;
  }
}

/** Creates a process on `cpuNode` (a RAM node) in memcg `memcg` (default root) and registers it. */
export function createProcess(core: MmCore, cpuNode: MemNodeId, memcg: MemcgId = ROOT_MEMCG): Process {
  if (core.frames.map.memories.every((m) => m.memNode !== cpuNode || m.type !== PageType.SYSTEM_RAM)) {
    throw new CdmsimError(`createProcess: memory node ${cpuNode} is not a CPU node's RAM`);
  }
  core.memcgs.get(memcg);
  const p = new Process(core.nextPid(), cpuNode, core.pageTables.createRoot(), memcg);
  core.processes.set(p.pid, p);
  return p;
}

/** Arguments of `mmap`. */
export interface MmapArgs {
  readonly pages: number;
  readonly kind: VmaKind;
  readonly read?: boolean;
  readonly write?: boolean;
  /** The file / shmem object / dax device for non-anon kinds (shmem: created if absent). */
  readonly cache?: PageCache;
  /** Page offset in `cache` (default 0). */
  readonly pgoff?: number;
  /** Fixed start vpn (MAP_FIXED without replacement); default: next free range. */
  readonly atVpn?: number;
}

/**
 * `do_mmap`: adds a VMA and returns its start vpn, or `errPtr(EINVAL)`
 * (bad arguments / overlap). Populates nothing: pages come on fault. Caller
 * holds the mmap lock for write.
 */
export function mmap(core: MmCore, proc: Process, args: MmapArgs): number {
  if (!Number.isInteger(args.pages) || args.pages < 1) return errPtr(Errno.EINVAL);
  let cache = args.cache ?? null;
  if (args.kind === 'anon' && cache) return errPtr(Errno.EINVAL);
  if (args.kind === 'shmem' && !cache) cache = core.createCache(`shmem-${proc.pid}-${proc.mmapCursor}`, true);
  if (args.kind !== 'anon' && !cache) return errPtr(Errno.EINVAL);
  if (cache && (args.kind === 'shmem') !== cache.shmem) return errPtr(Errno.EINVAL);
  if (args.kind === 'dax' && cache?.daxBasePfn === null) return errPtr(Errno.EINVAL);
  const start = args.atVpn ?? proc.mmapCursor;
  const end = start + args.pages;
  if (start < 0 || end > VPN_LIMIT) return errPtr(Errno.EINVAL);
  if (proc.vmas.some((v) => v.start < end && start < v.end)) return errPtr(Errno.EINVAL);
  const vma = new Vma(start, end, args.kind, args.read ?? true, args.write ?? true, cache, args.pgoff ?? 0);
  if (cache) cache.users++;
  proc.vmas.push(vma);
  proc.vmas.sort((x, y) => x.start - y.start);
  if (args.atVpn === undefined) proc.mmapCursor = end + 1; // one guard page between mappings
  return start;
}

/**
 * Splits VMAs so that `startVpn` and `endVpn` are VMA boundaries
 * (`__split_vma`); returns the VMAs fully inside [startVpn, endVpn).
 */
export function splitVmasAt(proc: Process, startVpn: number, endVpn: number): Vma[] {
  for (const cut of [startVpn, endVpn]) {
    const v = proc.findVma(cut);
    if (v && v.start < cut) {
      const tail = v.slice(cut, v.end);
      v.end = cut;
      if (tail.cache) tail.cache.users++;
      proc.vmas.push(tail);
      proc.vmas.sort((x, y) => x.start - y.start);
    }
  }
  return proc.vmas.filter((v) => v.start >= startVpn && v.end <= endVpn);
}

/**
 * `do_munmap`: zaps and removes every mapping in [startVpn, startVpn+pages)
 * (mmu notifier UNMAP first). Device pages mapped there are freed when
 * their last mapping goes. Returns OK or EINVAL. Caller holds the mmap lock
 * for write.
 */
export function munmap(core: MmCore, proc: Process, startVpn: number, pages: number): Errno {
  if (!Number.isInteger(pages) || pages < 1 || startVpn < 0) return Errno.EINVAL;
  const endVpn = startVpn + pages;
  for (const v of splitVmasAt(proc, startVpn, endVpn)) removeVma(core, proc, v, MmuNotifyEvent.UNMAP);
  return Errno.OK;
}
