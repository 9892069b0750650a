/**
 * ContentStore: bytes of the simulated pages, kept only for frames that were
 * written. A frame's slot number lives in its frame record (FR_CONTENT_SLOT,
 * 0 = never written, reads as zeroes). Released slots go to a lock-free
 * Treiber stack in shared memory and are reused before new ones are grown.
 */
import { CdmsimError } from '@cdmsim/engine';
import { ChunkArena, type ChunkArenaHandle } from './arena.js';
import { CS_CTRL_BYTES, CS_FREE_HEAD_I64, CS_FREE_NEXT, CS_FREE_PAGES, CS_LIVE_PAGES, WORD_BYTES } from './layout.js';
import type { FrameTable } from './frame-table.js';

/** Construction options of a ContentStore. */
export interface ContentStoreOptions {
  /** Bytes per page (power of two >= 64; default 4096). */
  readonly pageSize?: number;
  /** Most pages that can hold content at once (default min(total frames, 4 Mi) = 16 GiB of 4 KiB pages). */
  readonly maxPages?: number;
}

/** Structured-cloneable description of a ContentStore (the frame table travels separately). */
export interface ContentStoreHandle {
  readonly control: SharedArrayBuffer;
  readonly arena: ChunkArenaHandle;
  readonly pageSize: number;
}

const SLOT_MASK = 0xffffffffn;

/**
 * Page contents of the frames of one FrameTable. Writers (write, copyPage,
 * zeroPage, release) must hold the page lock of every frame they change;
 * readers should hold it too, else they may see a write in progress.
 */
export class ContentStore {
  /** Bytes per page. */
  readonly pageSize: number;
  private readonly frames: FrameTable;
  private readonly arena: ChunkArena;
  private readonly ctrl32: Int32Array;
  private readonly ctrl64: BigInt64Array;

  /** Creates a store for the frames of `frames`; allocates no page memory. */
  constructor(frames: FrameTable, options?: ContentStoreOptions);
  /** @internal used by `attach`. */
  constructor(frames: FrameTable, options: ContentStoreOptions, handle: ContentStoreHandle);
  constructor(frames: FrameTable, options: ContentStoreOptions = {}, handle?: ContentStoreHandle) {
    this.frames = frames;
    if (handle) {
      this.pageSize = handle.pageSize;
      this.arena = ChunkArena.attach(handle.arena);
      this.ctrl32 = new Int32Array(handle.control);
      this.ctrl64 = new BigInt64Array(handle.control);
      return;
    }
    const pageSize = options.pageSize ?? 4096;
    if (!Number.isInteger(pageSize) || pageSize < 64 || (pageSize & (pageSize - 1)) !== 0) {
      throw new CdmsimError(`ContentStore: pageSize must be a power of two >= 64, got ${pageSize}`);
    }
    this.pageSize = pageSize;
    const maxPages = options.maxPages ?? Math.max(1, Math.min(frames.totalFrames, 4 * 1024 * 1024));
    this.arena = new ChunkArena({ chunkBytes: pageSize, maxChunks: maxPages, name: 'content store' });
    const control = new SharedArrayBuffer(CS_CTRL_BYTES);
    this.ctrl32 = new Int32Array(control);
    this.ctrl64 = new BigInt64Array(control);
  }

  /** Rebuilds the store in another thread over that thread's attached FrameTable. */
  static attach(handle: ContentStoreHandle, frames: FrameTable): ContentStore {
    return new ContentStore(frames, {}, handle);
  }

  /** Returns plain structured-cloneable data for `attach`. */
  handle(): ContentStoreHandle {
    return { control: this.ctrl32.buffer as SharedArrayBuffer, arena: this.arena.handle(), pageSize: this.pageSize };
  }

  /** Copies `dst.length` bytes at `offsetInPage` of the page into `dst` (zeroes if never written). */
  read(pfn: number, offsetInPage: number, dst: Uint8Array): void {
    this.checkRange(offsetInPage, dst.length);
    const slot = this.frames.contentSlot(pfn);
    if (slot === 0) {
      dst.fill(0);
      return;
    }
    const chunk = slot - 1;
    const start = this.arena.byteOffset(chunk) + offsetInPage;
    dst.set(this.arena.view8(chunk).subarray(start, start + dst.length));
  }

  /** Writes `src` at `offsetInPage`, giving the page a slot on first write. Caller holds the page lock. */
  write(pfn: number, offsetInPage: number, src: Uint8Array): void {
    this.checkRange(offsetInPage, src.length);
    const chunk = this.slotFor(pfn) - 1;
    this.arena.view8(chunk).set(src, this.arena.byteOffset(chunk) + offsetInPage);
  }

  /** Copies the whole page `srcPfn` onto `dstPfn`. Caller holds both page locks. */
  copyPage(srcPfn: number, dstPfn: number): void {
    if (srcPfn === dstPfn) return;
    const srcSlot = this.frames.contentSlot(srcPfn);
    if (srcSlot === 0) {
      this.release(dstPfn);
      return;
    }
    const dstChunk = this.slotFor(dstPfn) - 1;
    const srcChunk = srcSlot - 1;
    const srcStart = this.arena.byteOffset(srcChunk);
    this.arena.view8(dstChunk).set(this.arena.view8(srcChunk).subarray(srcStart, srcStart + this.pageSize), this.arena.byteOffset(dstChunk));
  }

  /** Makes the page read as zeroes by releasing its slot (same as `release`). Caller holds the page lock. */
  zeroPage(pfn: number): void {
    this.release(pfn);
  }

  /** Returns the page's slot (if any) to the free list; the page then reads as zeroes. Caller holds the page lock. */
  release(pfn: number): void {
    const slot = this.frames.contentSlot(pfn);
    if (slot === 0) return;
    this.frames.setContentSlot(pfn, 0);
    this.pushFree(slot);
    // why: counters are shared by all threads.
    Atomics.sub(this.ctrl32, CS_LIVE_PAGES, 1);
  }

  /** Returns whether the page holds a content slot. */
  isWritten(pfn: number): boolean {
    return this.frames.contentSlot(pfn) !== 0;
  }

  /** Number of pages currently holding content. */
  writtenPages(): number {
    // why: snapshot of a shared counter.
    return Atomics.load(this.ctrl32, CS_LIVE_PAGES);
  }

  /** Number of released slots waiting for reuse. */
  freeSlots(): number {
    // why: snapshot of a shared counter.
    return Atomics.load(this.ctrl32, CS_FREE_PAGES);
  }

  /** Host bytes used: grown slot memory plus control blocks. */
  hostBytes(): number {
    return this.arena.hostBytes() + this.ctrl32.byteLength;
  }

  // ---- internals ---------------------------------------------------------

  private checkRange(offset: number, length: number): void {
    if (!(offset >= 0 && offset + length <= this.pageSize && Number.isInteger(offset))) {
      throw new CdmsimError(`ContentStore: range ${offset}+${length} outside a ${this.pageSize}-byte page`);
    }
  }

  /** Returns the page's slot, giving it a zeroed one first if it has none. Caller holds the page lock. */
  private slotFor(pfn: number): number {
    const existing = this.frames.contentSlot(pfn);
    if (existing !== 0) return existing;
    let slot = this.popFree();
    if (slot !== 0) {
      const chunk = slot - 1;
      const start = this.arena.byteOffset(chunk);
      this.arena.view8(chunk).fill(0, start, start + this.pageSize);
    } else {
      slot = this.arena.allocChunk() + 1;
    }
    // why: counters are shared by all threads.
    Atomics.add(this.ctrl32, CS_LIVE_PAGES, 1);
    this.frames.setContentSlot(pfn, slot);
    return slot;
  }

  private nextWord(slot: number): { view: Int32Array; index: number } {
    const chunk = slot - 1;
    return { view: this.arena.view32(chunk), index: this.arena.wordOffset(chunk) + CS_FREE_NEXT };
  }

  private pushFree(slot: number): void {
    const next = this.nextWord(slot);
    // why: the head's start value for the CAS loop.
    let head = Atomics.load(this.ctrl64, CS_FREE_HEAD_I64);
    for (;;) {
      // why: racing poppers may read this link before our CAS publishes it; atomic store keeps it whole.
      Atomics.store(next.view, next.index, Number(head & SLOT_MASK));
      const tag = (BigInt.asUintN(64, head) >> 32n) + 1n;
      const newHead = BigInt.asIntN(64, (BigInt.asUintN(32, tag) << 32n) | BigInt(slot));
      // why: CAS with a tag bump publishes the slot and defeats ABA.
      const seen = Atomics.compareExchange(this.ctrl64, CS_FREE_HEAD_I64, head, newHead);
      if (seen === head) break;
      head = seen;
    }
    // why: counters are shared by all threads.
    Atomics.add(this.ctrl32, CS_FREE_PAGES, 1);
  }

  private popFree(): number {
    // why: the head's start value for the CAS loop.
    let head = Atomics.load(this.ctrl64, CS_FREE_HEAD_I64);
    for (;;) {
      const slot = Number(head & SLOT_MASK);
      if (slot === 0) return 0;
      const next = this.nextWord(slot);
      // why: may race with a reuse of the slot; a stale link is harmless because the tagged CAS below then fails.
      const nextSlot = Atomics.load(next.view, next.index) >>> 0;
      const tag = (BigInt.asUintN(64, head) >> 32n) + 1n;
      const newHead = BigInt.asIntN(64, (BigInt.asUintN(32, tag) << 32n) | BigInt(nextSlot));
      // why: CAS with a tag bump claims the slot only if the head did not change (ABA-safe).
      const seen = Atomics.compareExchange(this.ctrl64, CS_FREE_HEAD_I64, head, newHead);
      if (seen === head) {
        // why: counters are shared by all threads.
        Atomics.sub(this.ctrl32, CS_FREE_PAGES, 1);
        return slot;
      }
      head = seen;
    }
  }
}
