/**
 * FrameTable: the `struct page` array of the whole simulated machine, in
 * shared memory. Records live in chunks of FRAME_CHUNK_FRAMES frames that are
 * allocated on first write; an absent chunk reads as the initial state of
 * its frames, so host memory grows with the frames a run touches.
 */
import { CdmsimError, OwnershipViolation, type MemNodeId } from '@cdmsim/engine';
import { ChunkArena, type ChunkArenaHandle } from './arena.js';
import {
  DEVICE_IDLE_REFCOUNT,
  DIR_ABSENT,
  DIR_CLAIMED,
  FR_CONTENT_SLOT,
  FR_FLAGS,
  FR_INDEX,
  FR_LOCK,
  FR_MAPCOUNT,
  FR_MAPPING,
  FR_NODE,
  FR_NODE_MEMCG_SHIFT,
  FR_NODE_MEMNODE_MASK,
  FR_NODE_MEMNODE_SHIFT,
  FR_NODE_TYPE_MASK,
  FR_REFCOUNT,
  FRAME_CHUNK_BYTES,
  FRAME_CHUNK_FRAMES,
  FRAME_CHUNK_MASK,
  FRAME_CHUNK_SHIFT,
  FRAME_RECORD_WORDS,
  MEMCG_ID_MAX,
  PG,
  PageType,
} from './layout.js';
import { FreeModeLock, type WordLock } from './locks.js';
import { MemoryMap, type MemoryDesc } from './memory-map.js';

/** Construction options of a FrameTable. */
export interface FrameTableOptions {
  /** The memory map: disjoint PFN ranges (see `layoutMemories`). */
  readonly memories: readonly MemoryDesc[];
  /** Lock implementation for page locks (default: a FreeModeLock). */
  readonly lock?: WordLock;
}

/** Structured-cloneable description of a FrameTable. */
export interface FrameTableHandle {
  readonly directory: SharedArrayBuffer;
  readonly arena: ChunkArenaHandle;
  readonly memories: readonly MemoryDesc[];
}

/** A plain copy of one frame record (for tests, dumps and invariant checks). */
export interface FrameRecord {
  readonly flags: number;
  readonly refcount: number;
  readonly mapcount: number;
  readonly memNode: MemNodeId;
  readonly type: PageType;
  readonly memcg: number;
  readonly mapping: number;
  readonly index: number;
  readonly contentSlot: number;
  readonly lock: number;
}

/** True for the ZONE_DEVICE page types (everything but system RAM). */
export function isDevicePageType(type: PageType): boolean {
  return type !== PageType.SYSTEM_RAM;
}

/** Returns the refcount at which a free frame of `type` sits: 0 for system RAM, DEVICE_IDLE_REFCOUNT for ZONE_DEVICE (see `FrameTable.idleRefcount`). */
export function idleRefcountOf(type: PageType): number {
  return isDevicePageType(type) ? DEVICE_IDLE_REFCOUNT : 0;
}

/**
 * The frame table. All methods take a global PFN (a `Pfn` works). Getters
 * never allocate; setters and atomic updates allocate the frame's chunk on
 * first use. Unless a method says otherwise, a setter's caller must hold the
 * page lock of the frame or otherwise own it (e.g. a free frame it just
 * allocated); atomic updates (ref/map counts, single flag bits) need no lock.
 */
export class FrameTable {
  /** Sum of frames over all memories. */
  readonly totalFrames: number;
  /** The validated memory map. */
  readonly map: MemoryMap;
  private readonly dir: Int32Array;
  private readonly arena: ChunkArena;
  private readonly lockImpl: WordLock;
  // View holding the record found by the last locate()/materialize() in this thread.
  private view: Int32Array = new Int32Array(0);
  // Last directory entry this thread saw published (entries never change once published).
  private lastDir = -1;
  private lastChunk = DIR_ABSENT;

  /** Creates the table; costs one Int32 per FRAME_CHUNK_FRAMES frames and no record memory. */
  constructor(options: FrameTableOptions);
  /** @internal used by `attach`. */
  constructor(options: FrameTableOptions, handle: FrameTableHandle);
  constructor(options: FrameTableOptions, handle?: FrameTableHandle) {
    this.map = new MemoryMap(options.memories);
    this.totalFrames = this.map.totalFrames;
    this.lockImpl = options.lock ?? new FreeModeLock();
    if (handle) {
      this.dir = new Int32Array(handle.directory);
      this.arena = ChunkArena.attach(handle.arena);
    } else {
      const chunks = Math.max(1, Math.ceil(this.map.endPfn / FRAME_CHUNK_FRAMES));
      this.dir = new Int32Array(new SharedArrayBuffer(chunks * 4)).fill(DIR_ABSENT);
      this.arena = new ChunkArena({ chunkBytes: FRAME_CHUNK_BYTES, maxChunks: chunks, name: 'frame table' });
    }
  }

  /** Rebuilds the table in another thread; `lock` picks this thread's page-lock implementation. */
  static attach(handle: FrameTableHandle, options: { lock?: WordLock } = {}): FrameTable {
    return new FrameTable({ memories: handle.memories, ...(options.lock ? { lock: options.lock } : {}) }, handle);
  }

  /** Returns plain structured-cloneable data for `attach`. */
  handle(): FrameTableHandle {
    return { directory: this.dir.buffer as SharedArrayBuffer, arena: this.arena.handle(), memories: this.map.memories };
  }

  // ---- bookkeeping -------------------------------------------------------

  /** Returns the memory holding `pfn`, or undefined for a PFN in no memory. */
  memoryOf(pfn: number): MemoryDesc | undefined {
    return this.map.memoryOf(pfn);
  }

  /** Number of frame chunks allocated so far (each holds FRAME_CHUNK_FRAMES records). */
  touchedChunks(): number {
    return this.arena.allocatedChunks();
  }

  /** Returns whether the chunk holding `pfn` has been allocated. */
  isMaterialized(pfn: number): boolean {
    // why: a snapshot suffices; chunks never go away once published.
    return Atomics.load(this.dir, pfn >>> FRAME_CHUNK_SHIFT) >= 0;
  }

  /** Host bytes used: directory plus grown arena bytes. */
  hostBytes(): number {
    return this.dir.byteLength + this.arena.hostBytes();
  }

  // ---- flags -------------------------------------------------------------

  /** Returns the PG_* flags word. */
  flags(pfn: number): number {
    const a = this.locate(pfn);
    // why: seq-cst load pairs with the atomic flag updates of other threads.
    return a < 0 ? this.initialFlags(pfn) : Atomics.load(this.view, a + FR_FLAGS);
  }

  /** Returns whether all bits of `flag` are set. */
  testFlag(pfn: number, flag: number): boolean {
    return (this.flags(pfn) & flag) === flag;
  }

  /**
   * Replaces the flags word, except PG.LOCKED, which keeps mirroring the page
   * lock. Caller holds the page lock or owns the frame.
   */
  setFlags(pfn: number, flags: number): void {
    const a = this.materialize(pfn);
    const v = this.view;
    // why: start value of the CAS loop; a stale value only costs a retry.
    let cur = Atomics.load(v, a + FR_FLAGS);
    for (;;) {
      const next = (flags & ~PG.LOCKED) | (cur & PG.LOCKED);
      // why: CAS so the LOCKED mirror bit set by a concurrent lockPage is never overwritten.
      const seen = Atomics.compareExchange(v, a + FR_FLAGS, cur, next);
      if (seen === cur) return;
      cur = seen;
    }
  }

  /** Sets `flag` bits atomically (`SetPageX`). No lock needed. */
  setFlag(pfn: number, flag: number): void {
    const a = this.materialize(pfn);
    // why: atomic OR keeps concurrent updates of other bits.
    Atomics.or(this.view, a + FR_FLAGS, flag);
  }

  /** Sets `flag` atomically and returns whether it was already set (`TestSetPageX`). No lock needed. */
  testAndSetFlag(pfn: number, flag: number): boolean {
    const a = this.materialize(pfn);
    // why: atomic OR returns the previous word, so exactly one racer sees the bit clear.
    return (Atomics.or(this.view, a + FR_FLAGS, flag) & flag) === flag;
  }

  /** Clears `flag` atomically and returns whether it was set (`TestClearPageX`). No lock needed. */
  clearFlag(pfn: number, flag: number): boolean {
    const a = this.materialize(pfn);
    // why: atomic AND keeps concurrent updates of other bits and returns the previous word.
    return (Atomics.and(this.view, a + FR_FLAGS, ~flag) & flag) === flag;
  }

  // ---- counts ------------------------------------------------------------

  /** Returns the reference count (`page_ref_count`). */
  refcount(pfn: number): number {
    const a = this.locate(pfn);
    // why: seq-cst load pairs with atomic ref updates of other threads.
    return a < 0 ? this.idleRefcount(pfn) : Atomics.load(this.view, a + FR_REFCOUNT);
  }

  /**
   * Returns the refcount at which frame `pfn` is idle (free): 0 for system
   * RAM, DEVICE_IDLE_REFCOUNT (1) for every ZONE_DEVICE frame — the rule of
   * `put_zone_device_private_or_public_page`. It is also the initial
   * refcount of an unmaterialized frame. Depends only on the memory `pfn`
   * lies in, so callers need no lock; throws if `pfn` is in no memory.
   */
  idleRefcount(pfn: number): number {
    return idleRefcountOf(this.requireMemory(pfn).type);
  }

  /** Atomically increments the refcount and returns the new value (`page_ref_inc_return`). */
  refInc(pfn: number): number {
    const a = this.materialize(pfn);
    // why: refcounts change concurrently in every thread; add returns the old value.
    return Atomics.add(this.view, a + FR_REFCOUNT, 1) + 1;
  }

  /** Atomically decrements the refcount and returns the new value (`page_ref_dec_return`). */
  refDec(pfn: number): number {
    const a = this.materialize(pfn);
    // why: refcounts change concurrently in every thread; sub returns the old value.
    return Atomics.sub(this.view, a + FR_REFCOUNT, 1) - 1;
  }

  /** Sets the refcount (`set_page_count`). Caller owns the frame (e.g. while allocating it). */
  setRefcount(pfn: number, value: number): void {
    const a = this.materialize(pfn);
    // why: atomic store so concurrent speculative readers see a whole value.
    Atomics.store(this.view, a + FR_REFCOUNT, value);
  }

  /**
   * Atomically increments the refcount unless it is `unless` (`page_ref_add_unless`);
   * returns whether it incremented. Used for speculative references (0 = free page).
   */
  refIncUnless(pfn: number, unless: number): boolean {
    const a = this.materialize(pfn);
    const v = this.view;
    // why: the CAS loop below needs a starting value; any stale value just costs a retry.
    let cur = Atomics.load(v, a + FR_REFCOUNT);
    while (cur !== unless) {
      // why: CAS makes the test and the increment one atomic step.
      const seen = Atomics.compareExchange(v, a + FR_REFCOUNT, cur, cur + 1);
      if (seen === cur) return true;
      cur = seen;
    }
    return false;
  }

  /** Returns the number of PTEs mapping the frame (`page_mapcount`; 0 when unmapped, not -1). */
  mapcount(pfn: number): number {
    const a = this.locate(pfn);
    // why: seq-cst load pairs with atomic map updates of other threads.
    return a < 0 ? 0 : Atomics.load(this.view, a + FR_MAPCOUNT);
  }

  /** Atomically increments the mapcount and returns the new value. Caller holds the PTE lock of the new mapping. */
  mapInc(pfn: number): number {
    const a = this.materialize(pfn);
    // why: several page tables map one frame under different PTE locks.
    return Atomics.add(this.view, a + FR_MAPCOUNT, 1) + 1;
  }

  /** Atomically decrements the mapcount and returns the new value. Caller holds the PTE lock of the removed mapping. */
  mapDec(pfn: number): number {
    const a = this.materialize(pfn);
    // why: several page tables map one frame under different PTE locks.
    return Atomics.sub(this.view, a + FR_MAPCOUNT, 1) - 1;
  }

  /** Sets the mapcount. Caller owns the frame. */
  setMapcount(pfn: number, value: number): void {
    const a = this.materialize(pfn);
    // why: atomic store so concurrent readers see a whole value.
    Atomics.store(this.view, a + FR_MAPCOUNT, value);
  }

  // ---- identity ----------------------------------------------------------

  /** Returns the memory node owning the frame (immutable). */
  memNode(pfn: number): MemNodeId {
    return ((this.nodeWord(pfn) >>> FR_NODE_MEMNODE_SHIFT) & FR_NODE_MEMNODE_MASK) as MemNodeId;
  }

  /** Returns the page type of the frame (immutable). */
  pageType(pfn: number): PageType {
    return (this.nodeWord(pfn) & FR_NODE_TYPE_MASK) as PageType;
  }

  /** Returns the memcg id the frame is charged to (0 = not charged). */
  memcg(pfn: number): number {
    return this.nodeWord(pfn) >>> FR_NODE_MEMCG_SHIFT;
  }

  /** Sets the memcg id (0..65535, 0 = uncharged). Caller holds the page lock or owns the frame. */
  setMemcg(pfn: number, memcgId: number): void {
    if (!Number.isInteger(memcgId) || memcgId < 0 || memcgId > MEMCG_ID_MAX) {
      throw new CdmsimError(`setMemcg: memcg id ${memcgId} outside 0..${MEMCG_ID_MAX} (pfn ${pfn})`);
    }
    const a = this.materialize(pfn);
    // why: the low 16 bits (type, node) never change after init, so a plain read-modify-store cannot lose them.
    const low = Atomics.load(this.view, a + FR_NODE) & 0xffff;
    // why: atomic store publishes the new charge to lockless readers in one word.
    Atomics.store(this.view, a + FR_NODE, (memcgId << FR_NODE_MEMCG_SHIFT) | low);
  }

  // ---- mapping, index, content -------------------------------------------

  /** Returns the mapping id (0 = none). */
  mapping(pfn: number): number {
    const a = this.locate(pfn);
    // why: lockless readers (rmap walks) read it without the page lock.
    return a < 0 ? 0 : Atomics.load(this.view, a + FR_MAPPING);
  }

  /** Sets the mapping id. Caller holds the page lock. */
  setMapping(pfn: number, mappingId: number): void {
    const a = this.materialize(pfn);
    // why: atomic store publishes the whole id to lockless readers.
    Atomics.store(this.view, a + FR_MAPPING, mappingId);
  }

  /** Returns the page offset inside the mapping (`page->index`). */
  index(pfn: number): number {
    const a = this.locate(pfn);
    // why: lockless readers read it without the page lock.
    return a < 0 ? 0 : Atomics.load(this.view, a + FR_INDEX);
  }

  /** Sets the page offset inside the mapping. Caller holds the page lock. */
  setIndex(pfn: number, index: number): void {
    const a = this.materialize(pfn);
    // why: atomic store publishes the whole value to lockless readers.
    Atomics.store(this.view, a + FR_INDEX, index);
  }

  /** Returns the ContentStore slot of the frame (0 = never written). */
  contentSlot(pfn: number): number {
    const a = this.locate(pfn);
    // why: acquire: a reader that sees a slot must also see the bytes written before it was published.
    return a < 0 ? 0 : Atomics.load(this.view, a + FR_CONTENT_SLOT);
  }

  /** Sets the ContentStore slot. Caller holds the page lock (ContentStore does this for you). */
  setContentSlot(pfn: number, slot: number): void {
    const a = this.materialize(pfn);
    // why: release: publishes a slot whose bytes were initialised before this store.
    Atomics.store(this.view, a + FR_CONTENT_SLOT, slot);
  }

  // ---- page lock ---------------------------------------------------------

  /** Acquires the page lock (`lock_page`) and sets PG.LOCKED. Must not be held by the caller. */
  lockPage(pfn: number): void {
    const a = this.materialize(pfn);
    const v = this.view;
    try {
      this.lockImpl.lock(v, a + FR_LOCK);
    } catch (e) {
      throw this.renameLockError(e, pfn);
    }
    // why: mirror bit for flag dumps; OR keeps concurrent flag updates.
    Atomics.or(v, a + FR_FLAGS, PG.LOCKED);
  }

  /** Acquires the page lock if free (`trylock_page`); returns whether it is now held. */
  trylockPage(pfn: number): boolean {
    const a = this.materialize(pfn);
    const v = this.view;
    let ok: boolean;
    try {
      ok = this.lockImpl.tryLock(v, a + FR_LOCK);
    } catch (e) {
      throw this.renameLockError(e, pfn);
    }
    // why: mirror bit for flag dumps; OR keeps concurrent flag updates.
    if (ok) Atomics.or(v, a + FR_FLAGS, PG.LOCKED);
    return ok;
  }

  /** Releases the page lock (`unlock_page`). Caller holds it. */
  unlockPage(pfn: number): void {
    const a = this.materialize(pfn);
    const v = this.view;
    // why: clear the mirror bit while still holding the lock; AND keeps concurrent flag updates.
    Atomics.and(v, a + FR_FLAGS, ~PG.LOCKED);
    try {
      this.lockImpl.unlock(v, a + FR_LOCK);
    } catch (e) {
      throw this.renameLockError(e, pfn);
    }
  }

  /** Returns whether anyone holds the page lock (`PageLocked`). */
  isPageLocked(pfn: number): boolean {
    const a = this.locate(pfn);
    // why: snapshot of the lock word itself, the authority for lock state.
    return a >= 0 && Atomics.load(this.view, a + FR_LOCK) !== 0;
  }

  /** Returns a plain copy of the frame record (fields read one by one; not atomic as a whole). */
  record(pfn: number): FrameRecord {
    const node = this.nodeWord(pfn);
    const a = this.locate(pfn);
    const v = this.view;
    return {
      flags: this.flags(pfn),
      refcount: this.refcount(pfn),
      mapcount: this.mapcount(pfn),
      memNode: ((node >>> FR_NODE_MEMNODE_SHIFT) & FR_NODE_MEMNODE_MASK) as MemNodeId,
      type: (node & FR_NODE_TYPE_MASK) as PageType,
      memcg: node >>> FR_NODE_MEMCG_SHIFT,
      mapping: this.mapping(pfn),
      index: this.index(pfn),
      contentSlot: this.contentSlot(pfn),
      // why: diagnostic snapshot of the lock word.
      lock: a < 0 ? 0 : Atomics.load(v, a + FR_LOCK),
    };
  }

  // ---- internals ---------------------------------------------------------

  /** Word index of the record of `pfn` in `this.view`, or -1 if its chunk is absent. */
  private locate(pfn: number): number {
    const d = pfn >>> FRAME_CHUNK_SHIFT;
    let chunk = this.lastDir === d ? this.lastChunk : DIR_ABSENT;
    if (chunk < 0) {
      // why: acquire: seeing a chunk index implies seeing the chunk's initialised records.
      chunk = Atomics.load(this.dir, d);
      if (chunk < 0) return -1;
      // A published directory entry never changes, so this thread may reuse it.
      this.lastDir = d;
      this.lastChunk = chunk;
    }
    this.view = this.arena.view32(chunk);
    return this.arena.wordOffset(chunk) + (pfn & FRAME_CHUNK_MASK) * FRAME_RECORD_WORDS;
  }

  /** Word index of the record of `pfn` in `this.view`, allocating its chunk if absent. */
  private materialize(pfn: number): number {
    const a = this.locate(pfn);
    if (a >= 0) return a;
    const chunk = this.claimChunk(pfn);
    this.view = this.arena.view32(chunk);
    return this.arena.wordOffset(chunk) + (pfn & FRAME_CHUNK_MASK) * FRAME_RECORD_WORDS;
  }

  /** Allocates (or waits for another thread to allocate) the chunk of `pfn`; returns its arena chunk. */
  private claimChunk(pfn: number): number {
    if (this.map.indexOf(pfn) < 0) throw new CdmsimError(`frame table: pfn ${pfn} is not in any memory`);
    const d = pfn >>> FRAME_CHUNK_SHIFT;
    const dir = this.dir;
    for (;;) {
      // why: acquire the published chunk, or learn that it is absent or being built.
      const cur = Atomics.load(dir, d);
      if (cur >= 0) return cur;
      if (cur === DIR_CLAIMED) {
        // why: sleep until the winner publishes; returns at once if it already did.
        Atomics.wait(dir, d, DIR_CLAIMED);
        continue;
      }
      // why: CAS elects exactly one thread to allocate this chunk.
      if (Atomics.compareExchange(dir, d, DIR_ABSENT, DIR_CLAIMED) !== DIR_ABSENT) continue;
      let chunk: number;
      try {
        chunk = this.arena.allocChunk();
        this.initChunk(chunk, d * FRAME_CHUNK_FRAMES);
      } catch (e) {
        // why: hand the claim back so a waiter can retry (and fail the same way) instead of sleeping forever.
        Atomics.store(dir, d, DIR_ABSENT);
        // why: wake the threads waiting on the claim.
        Atomics.notify(dir, d);
        throw e;
      }
      // why: release: publishes the initialised records together with the chunk index.
      Atomics.store(dir, d, chunk);
      // why: wake threads that found the chunk claimed.
      Atomics.notify(dir, d);
      return chunk;
    }
  }

  /** Writes the initial state of every frame of a fresh (zeroed) chunk; runs before the chunk is published. */
  private initChunk(chunk: number, firstPfn: number): void {
    const v = this.arena.view32(chunk);
    const base = this.arena.wordOffset(chunk);
    const endPfn = firstPfn + FRAME_CHUNK_FRAMES;
    for (const m of this.map.memories) {
      const lo = Math.max(firstPfn, m.firstPfn);
      const hi = Math.min(endPfn, m.firstPfn + m.frameCount);
      if (lo >= hi) continue;
      const node = m.type | (m.memNode << FR_NODE_MEMNODE_SHIFT);
      const device = isDevicePageType(m.type);
      for (let p = lo; p < hi; p++) {
        const r = base + (p - firstPfn) * FRAME_RECORD_WORDS;
        // Plain stores: the chunk is private to this thread until the directory store publishes it.
        v[r + FR_NODE] = node;
        if (device) {
          v[r + FR_FLAGS] = PG.RESERVED;
          v[r + FR_REFCOUNT] = DEVICE_IDLE_REFCOUNT;
        }
      }
    }
  }

  private nodeWord(pfn: number): number {
    const a = this.locate(pfn);
    if (a >= 0) {
      // why: memcg bits change under the page lock while others read.
      return Atomics.load(this.view, a + FR_NODE);
    }
    const m = this.requireMemory(pfn);
    return m.type | (m.memNode << FR_NODE_MEMNODE_SHIFT);
  }

  private initialFlags(pfn: number): number {
    return isDevicePageType(this.requireMemory(pfn).type) ? PG.RESERVED : 0;
  }

  private requireMemory(pfn: number): MemoryDesc {
    const m = this.map.memoryOf(pfn);
    if (!m) throw new CdmsimError(`frame table: pfn ${pfn} is not in any memory`);
    return m;
  }

  private renameLockError(e: unknown, pfn: number): unknown {
    if (e instanceof OwnershipViolation) return new OwnershipViolation(`page lock of pfn ${pfn}: ${e.message}`);
    if (e instanceof CdmsimError) return new CdmsimError(`page lock of pfn ${pfn}: ${e.message}`);
    return e;
  }
}
