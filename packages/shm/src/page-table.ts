/**
 * PageTables: per-process 4-level radix page tables (9 bits per level, 48-bit
 * VA, 4 KiB pages) in one shared arena. Tables are allocated on demand, so
 * host memory grows with the tables a run touches. A leaf entry is two Int32
 * words [pfn, bits]; each table has its own lock word (the kernel's split
 * PTE lock, `pte_lockptr`) used through a WordLock.
 *
 * A PTE handle is `tableIndex * PT_ENTRIES + entry`, a plain number that is
 * valid in every thread.
 */
import { CdmsimError, OwnershipViolation } from '@cdmsim/engine';
import { ChunkArena, type ChunkArenaHandle } from './arena.js';
import {
  PT_CHILD_CLAIMED,
  PT_CHILD_NONE,
  PT_ENTRIES,
  PT_HEADER_WORDS,
  PT_INDEX_MASK,
  PT_LEVEL,
  PT_LEVEL_BITS,
  PT_LEVELS,
  PT_LOCK,
  PT_PAGE_BYTES,
  PT_SEQ,
  PTE_BITS,
  PTE_KIND_MASK,
  PTE_PFN,
  PTE_WORDS,
  PteKind,
  VPN_LIMIT,
} from './layout.js';
import { FreeModeLock, type WordLock } from './locks.js';
import { describePteBits, isValidPteBits } from './pte.js';

/** Construction options of PageTables. */
export interface PageTablesOptions {
  /** Lock implementation for PTE locks (default: a FreeModeLock). */
  readonly lock?: WordLock;
  /** Most page-table pages (default 4 Mi = 16 GiB of tables, reserved as address space only). */
  readonly maxTables?: number;
}

/** Structured-cloneable description of PageTables. */
export interface PageTablesHandle {
  readonly arena: ChunkArenaHandle;
}

/** A consistent copy of one PTE (see `PageTables.snapshot`). */
export interface PteSnapshot {
  pfn: number;
  bits: number;
}

/** Callback of `forEachPresent`: virtual page number and PTE handle. */
export type PteVisitor = (vpn: number, pte: number) => void;

const LEAF_SHIFT_2 = PT_LEVEL_BITS * 2;
const TOP_SPAN = 2 ** (PT_LEVEL_BITS * (PT_LEVELS - 1));
const ROOT_LEVEL = PT_LEVELS - 1;

/**
 * All page tables of one simulation. Roots are owned by the caller (the
 * process table); this class allocates tables and reads/writes entries.
 */
export class PageTables {
  private readonly arena: ChunkArena;
  private readonly lockImpl: WordLock;

  /** Creates an empty page-table arena (no table memory committed). */
  constructor(options?: PageTablesOptions);
  /** @internal used by `attach`. */
  constructor(options: PageTablesOptions, handle: PageTablesHandle);
  constructor(options: PageTablesOptions = {}, handle?: PageTablesHandle) {
    this.lockImpl = options.lock ?? new FreeModeLock();
    this.arena = handle
      ? ChunkArena.attach(handle.arena)
      : new ChunkArena({ chunkBytes: PT_PAGE_BYTES, maxChunks: options.maxTables ?? 4 * 1024 * 1024, name: 'page tables' });
  }

  /** Rebuilds the page tables in another thread; `lock` picks this thread's PTE-lock implementation. */
  static attach(handle: PageTablesHandle, options: { lock?: WordLock } = {}): PageTables {
    return new PageTables(options, handle);
  }

  /** Returns plain structured-cloneable data for `attach`. */
  handle(): PageTablesHandle {
    return { arena: this.arena.handle() };
  }

  /** Allocates an empty top-level table and returns its table index (the caller stores it as the process's root). */
  createRoot(): number {
    return this.allocTable(ROOT_LEVEL);
  }

  /** Number of page-table pages allocated. */
  tableCount(): number {
    return this.arena.allocatedChunks();
  }

  /** Host bytes committed for tables. */
  hostBytes(): number {
    return this.arena.hostBytes();
  }

  /**
   * Returns the PTE handle of `vpn` under `root`, or -1 when an intermediate
   * table is absent. Never allocates. Needs no lock (tables are never freed).
   */
  lookup(root: number, vpn: number): number {
    checkVpn(vpn);
    const top = Math.floor(vpn / TOP_SPAN);
    const low = vpn - top * TOP_SPAN;
    let t = this.child(root, top);
    if (t < 0) return -1;
    t = this.child(t, low >>> LEAF_SHIFT_2);
    if (t < 0) return -1;
    t = this.child(t, (low >>> PT_LEVEL_BITS) & PT_INDEX_MASK);
    if (t < 0) return -1;
    return t * PT_ENTRIES + (low & PT_INDEX_MASK);
  }

  /**
   * Returns the PTE handle of `vpn` under `root`, allocating missing
   * intermediate tables. Thread-safe: racing callers end with one table per
   * level (one thread allocates, the others wait for it).
   */
  ensure(root: number, vpn: number): number {
    checkVpn(vpn);
    this.checkRoot(root);
    const top = Math.floor(vpn / TOP_SPAN);
    const low = vpn - top * TOP_SPAN;
    let t = this.ensureChild(root, top, ROOT_LEVEL - 1);
    t = this.ensureChild(t, low >>> LEAF_SHIFT_2, 1);
    t = this.ensureChild(t, (low >>> PT_LEVEL_BITS) & PT_INDEX_MASK, 0);
    return t * PT_ENTRIES + (low & PT_INDEX_MASK);
  }

  /** Returns the pfn word of a PTE (uint32). Without the PTE lock the value may be changing; see `snapshot`. */
  readPfn(pte: number): number {
    const t = Math.floor(pte / PT_ENTRIES);
    // why: lockless readers need a whole, current word.
    return Atomics.load(this.arena.view32(t), this.entryWord(t, pte) + PTE_PFN) >>> 0;
  }

  /** Returns the bits word (kind + flags) of a PTE. Without the PTE lock the value may be changing; see `snapshot`. */
  readBits(pte: number): number {
    const t = Math.floor(pte / PT_ENTRIES);
    // why: lockless readers need a whole, current word.
    return Atomics.load(this.arena.view32(t), this.entryWord(t, pte) + PTE_BITS);
  }

  /** Returns the entry kind of a PTE. */
  readKind(pte: number): PteKind {
    return (this.readBits(pte) & PTE_KIND_MASK) as PteKind;
  }

  /**
   * Reads pfn and bits of one PTE as a consistent pair without the lock
   * (seqlock on the table's write sequence); fills and returns `out`.
   */
  snapshot(pte: number, out: PteSnapshot): PteSnapshot {
    const t = Math.floor(pte / PT_ENTRIES);
    const v = this.arena.view32(t);
    const seqWord = this.arena.wordOffset(t) + PT_SEQ;
    const w = this.entryWord(t, pte);
    for (;;) {
      // why: seqlock read side: an even value before and the same value after proves no write overlapped.
      const s1 = Atomics.load(v, seqWord);
      if ((s1 & 1) !== 0) continue;
      // why: ordered between the two sequence reads.
      const pfn = Atomics.load(v, w + PTE_PFN) >>> 0;
      // why: ordered between the two sequence reads.
      const bits = Atomics.load(v, w + PTE_BITS);
      // why: closes the seqlock read section.
      if (Atomics.load(v, seqWord) === s1) {
        out.pfn = pfn;
        out.bits = bits;
        return out;
      }
    }
  }

  /**
   * Writes a PTE (`set_pte_at`). Caller holds the PTE lock of this entry's
   * table. Throws on an invalid bits encoding.
   */
  write(pte: number, pfn: number, bits: number): void {
    if (!isValidPteBits(bits)) throw new CdmsimError(`PageTables.write: invalid PTE bits ${describePteBits(bits)} (0x${(bits >>> 0).toString(16)})`);
    const t = Math.floor(pte / PT_ENTRIES);
    const v = this.arena.view32(t);
    const seqWord = this.arena.wordOffset(t) + PT_SEQ;
    const w = this.entryWord(t, pte);
    // why: seqlock write side: odd sequence tells lockless snapshots a write is in progress.
    Atomics.add(v, seqWord, 1);
    // why: atomic stores so lockless single-word readers see whole values.
    Atomics.store(v, w + PTE_PFN, pfn);
    // why: atomic stores so lockless single-word readers see whole values.
    Atomics.store(v, w + PTE_BITS, bits);
    // why: even sequence ends the write section (release).
    Atomics.add(v, seqWord, 1);
  }

  /** Clears a PTE to NONE (`pte_clear`). Caller holds the PTE lock. */
  clear(pte: number): void {
    this.write(pte, 0, PteKind.NONE);
  }

  /** Returns the table index whose lock protects `pte` (`pte_lockptr`); equal for all 512 entries of a table. */
  lockOf(pte: number): number {
    return Math.floor(pte / PT_ENTRIES);
  }

  /** Acquires the PTE lock of `pte`'s table (`pte_offset_map_lock`). */
  lockPte(pte: number): void {
    const t = this.lockOf(pte);
    try {
      this.lockImpl.lock(this.arena.view32(t), this.arena.wordOffset(t) + PT_LOCK);
    } catch (e) {
      throw renameLockError(e, t);
    }
  }

  /** Acquires the PTE lock of `pte`'s table if free; returns whether it is now held. */
  tryLockPte(pte: number): boolean {
    const t = this.lockOf(pte);
    try {
      return this.lockImpl.tryLock(this.arena.view32(t), this.arena.wordOffset(t) + PT_LOCK);
    } catch (e) {
      throw renameLockError(e, t);
    }
  }

  /** Releases the PTE lock of `pte`'s table. Caller holds it. */
  unlockPte(pte: number): void {
    const t = this.lockOf(pte);
    try {
      this.lockImpl.unlock(this.arena.view32(t), this.arena.wordOffset(t) + PT_LOCK);
    } catch (e) {
      throw renameLockError(e, t);
    }
  }

  /**
   * Calls `cb(vpn, pte)` for every leaf entry whose kind is not NONE (present,
   * devmap, device-private, migration, zero) with startVpn <= vpn < endVpn,
   * in VPN order, skipping absent subtrees. Entries are read without locks;
   * `cb` may take the PTE lock and re-check, and may modify entries.
   */
  forEachPresent(root: number, startVpn: number, endVpn: number, cb: PteVisitor): void {
    this.checkRoot(root);
    const start = Math.max(0, startVpn);
    const end = Math.min(VPN_LIMIT, endVpn);
    if (start >= end) return;
    this.walk(root, ROOT_LEVEL, 0, start, end, cb);
  }

  // ---- internals ---------------------------------------------------------

  private walk(t: number, level: number, baseVpn: number, start: number, end: number, cb: PteVisitor): void {
    const span = 2 ** (PT_LEVEL_BITS * level);
    const first = Math.max(0, Math.floor((start - baseVpn) / span));
    const last = Math.min(PT_INDEX_MASK, Math.floor((end - 1 - baseVpn) / span));
    const v = this.arena.view32(t);
    const entries = this.arena.wordOffset(t) + PT_HEADER_WORDS;
    for (let e = first; e <= last; e++) {
      const w = entries + e * PTE_WORDS;
      if (level === 0) {
        // Plain, tear-free read: a lockless scan like the kernel's; the callback re-checks under the PTE lock if it acts.
        if ((v[w + PTE_BITS]! & PTE_KIND_MASK) !== PteKind.NONE) cb(baseVpn + e, t * PT_ENTRIES + e);
      } else {
        // Plain read of a child pointer: see `child` for why no Atomics are needed.
        const c = v[w + PTE_PFN]!;
        if (c > 0) this.walk(c - 1, level - 1, baseVpn + e * span, start, end, cb);
      }
    }
  }

  /** Child table of upper-level entry `index` of table `t`, or -1 if absent (or still being allocated). */
  private child(t: number, index: number): number {
    // Plain load on purpose (Atomics.load costs ~9 ns in V8 here, x3 per walk): a child
    // pointer changes once (0 -> claimed -> index) and is never reused; the child's
    // only content a walk reads is its zero-initialised entries, and the next load's
    // address depends on this value (ordered on x86-TSO and ARM64). A stale read
    // returns "absent", as if the lookup ran just before the racing ensure().
    const c = this.arena.view32(t)[this.arena.wordOffset(t) + PT_HEADER_WORDS + index * PTE_WORDS]!;
    return c > 0 ? c - 1 : -1;
  }

  /** Child table of entry `index` of `t`, allocating one of `childLevel` if absent. */
  private ensureChild(t: number, index: number, childLevel: number): number {
    const v = this.arena.view32(t);
    const w = this.arena.wordOffset(t) + PT_HEADER_WORDS + index * PTE_WORDS + PTE_PFN;
    // Fast path, plain load: a published child never changes (see `child`).
    const published = v[w]!;
    if (published > 0) return published - 1;
    for (;;) {
      // why: acquire the published child, or learn that it is absent or being allocated.
      const c = Atomics.load(v, w);
      if (c > 0) return c - 1;
      if (c === PT_CHILD_CLAIMED) {
        // why: sleep until the allocating thread publishes; returns at once if it already did.
        Atomics.wait(v, w, PT_CHILD_CLAIMED);
        continue;
      }
      // why: CAS elects exactly one thread to allocate the child, so racers end with one table.
      if (Atomics.compareExchange(v, w, PT_CHILD_NONE, PT_CHILD_CLAIMED) !== PT_CHILD_NONE) continue;
      let child: number;
      try {
        child = this.allocTable(childLevel);
      } catch (e) {
        // why: give the claim back so waiters retry rather than sleep forever.
        Atomics.store(v, w, PT_CHILD_NONE);
        // why: wake the waiters of the claim.
        Atomics.notify(v, w);
        throw e;
      }
      // why: release: publishes the initialised child table.
      Atomics.store(v, w, child + 1);
      // why: wake the threads that found the entry claimed.
      Atomics.notify(v, w);
      return child;
    }
  }

  private allocTable(level: number): number {
    const t = this.arena.allocChunk();
    // Plain store: the table is private until its parent entry (or the returned root) publishes it.
    this.arena.view32(t)[this.arena.wordOffset(t) + PT_LEVEL] = level;
    return t;
  }

  private checkRoot(root: number): void {
    if (!Number.isInteger(root) || root < 0 || root >= this.arena.allocatedChunks()) throw new CdmsimError(`PageTables: ${root} is not a table`);
    // why: the level word is immutable after publication; the load just reads it.
    const level = Atomics.load(this.arena.view32(root), this.arena.wordOffset(root) + PT_LEVEL);
    if (level !== ROOT_LEVEL) throw new CdmsimError(`PageTables: table ${root} is a level-${level} table, not a root`);
  }

  private entryWord(t: number, pte: number): number {
    return this.arena.wordOffset(t) + PT_HEADER_WORDS + (pte - t * PT_ENTRIES) * PTE_WORDS;
  }
}

function checkVpn(vpn: number): void {
  if (!(vpn >= 0 && vpn < VPN_LIMIT) || !Number.isInteger(vpn)) throw new CdmsimError(`PageTables: vpn ${vpn} outside 0..2^36-1`);
}

function renameLockError(e: unknown, table: number): unknown {
  if (e instanceof OwnershipViolation) return new OwnershipViolation(`PTE lock of table ${table}: ${e.message}`);
  if (e instanceof CdmsimError) return new CdmsimError(`PTE lock of table ${table}: ${e.message}`);
  return e;
}
