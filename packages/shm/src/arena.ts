/**
 * ChunkArena: a thread-safe allocator of fixed-size, zeroed chunks inside
 * growable SharedArrayBuffer segments. All segments are reserved up front
 * (length 0, maxByteLength <= 4 GiB: address space only), so every thread
 * that attaches sees every segment; a segment grows only as far as the chunks
 * handed out. Chunks are never freed.
 */
import { CdmsimError } from '@cdmsim/engine';
import { createGrowableSab, type GrowableSharedArrayBuffer } from './growable.js';
import { ARENA_CTRL_WORDS, ARENA_NEXT_CHUNK, MAX_SEGMENT_BYTES, WORD_BYTES } from './layout.js';

/** Construction options of a ChunkArena. */
export interface ChunkArenaOptions {
  /** Bytes per chunk; a positive multiple of 8. */
  readonly chunkBytes: number;
  /** Most chunks this arena may hand out; allocChunk throws beyond it. */
  readonly maxChunks: number;
  /** Largest segment in bytes (default and maximum 4 GiB; smaller values are for tests). */
  readonly maxSegmentBytes?: number;
  /** Name used in error messages. */
  readonly name?: string;
}

/** Structured-cloneable description of a ChunkArena, for `ChunkArena.attach`. */
export interface ChunkArenaHandle {
  readonly control: SharedArrayBuffer;
  readonly segments: readonly SharedArrayBuffer[];
  readonly chunkBytes: number;
  readonly maxChunks: number;
  readonly chunksPerSegment: number;
  readonly name: string;
}

/** Thrown when an arena has handed out its last chunk. */
export class ArenaExhausted extends CdmsimError {
  override readonly name = 'ArenaExhausted';
}

/**
 * Allocator of zeroed fixed-size chunks shared by all threads that attach
 * the same handle. Views are cached per thread with a fixed length (views
 * that track a growing buffer are ~10x slower in V8) and refreshed when a
 * chunk lies beyond the cached length.
 */
export class ChunkArena {
  /** Bytes per chunk. */
  readonly chunkBytes: number;
  /** Int32 words per chunk. */
  readonly chunkWords: number;
  /** Most chunks this arena can hold. */
  readonly maxChunks: number;
  /** Chunks per segment (chunks never straddle segments). */
  readonly chunksPerSegment: number;
  /** Name used in error messages. */
  readonly name: string;

  private readonly control: Int32Array;
  private readonly segments: readonly SharedArrayBuffer[];
  // Per-thread view caches, one per segment, refreshed on demand.
  private readonly views32: (Int32Array | undefined)[];
  private readonly views8: (Uint8Array | undefined)[];
  private readonly covered32: number[];
  private readonly covered8: number[];
  // Copies of segment 0's Int32 view and coverage, checked first by view32.
  private view32First: Int32Array = new Int32Array(0);
  private covered32First = 0;

  /** Creates an arena reserving `maxChunks * chunkBytes` bytes of address space and committing none. */
  constructor(options: ChunkArenaOptions);
  /** @internal used by `attach`. */
  constructor(options: ChunkArenaOptions, handle: ChunkArenaHandle);
  constructor(options: ChunkArenaOptions, handle?: ChunkArenaHandle) {
    if (handle) {
      this.chunkBytes = handle.chunkBytes;
      this.maxChunks = handle.maxChunks;
      this.chunksPerSegment = handle.chunksPerSegment;
      this.name = handle.name;
      this.control = new Int32Array(handle.control);
      this.segments = handle.segments;
    } else {
      const { chunkBytes, maxChunks } = options;
      const maxSegmentBytes = options.maxSegmentBytes ?? MAX_SEGMENT_BYTES;
      if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0 || chunkBytes % 8 !== 0) {
        throw new CdmsimError(`ChunkArena: chunkBytes must be a positive multiple of 8, got ${chunkBytes}`);
      }
      if (!Number.isSafeInteger(maxChunks) || maxChunks <= 0 || maxChunks > 2 ** 31 - 1) {
        throw new CdmsimError(`ChunkArena: maxChunks must be in 1..2^31-1, got ${maxChunks}`);
      }
      if (maxSegmentBytes > MAX_SEGMENT_BYTES || maxSegmentBytes < chunkBytes) {
        throw new CdmsimError(`ChunkArena: maxSegmentBytes must be in ${chunkBytes}..${MAX_SEGMENT_BYTES}, got ${maxSegmentBytes}`);
      }
      this.chunkBytes = chunkBytes;
      this.maxChunks = maxChunks;
      this.chunksPerSegment = Math.floor(maxSegmentBytes / chunkBytes);
      this.name = options.name ?? 'arena';
      this.control = new Int32Array(new SharedArrayBuffer(ARENA_CTRL_WORDS * WORD_BYTES));
      const segments: SharedArrayBuffer[] = [];
      for (let first = 0; first < maxChunks; first += this.chunksPerSegment) {
        const chunks = Math.min(this.chunksPerSegment, maxChunks - first);
        segments.push(createGrowableSab(0, chunks * chunkBytes));
      }
      this.segments = segments;
    }
    this.chunkWords = this.chunkBytes / WORD_BYTES;
    this.views32 = new Array<Int32Array | undefined>(this.segments.length).fill(undefined);
    this.views8 = new Array<Uint8Array | undefined>(this.segments.length).fill(undefined);
    this.covered32 = new Array<number>(this.segments.length).fill(0);
    this.covered8 = new Array<number>(this.segments.length).fill(0);
  }

  /** Rebuilds an arena from `handle()` in another thread (shares the same chunks). */
  static attach(handle: ChunkArenaHandle): ChunkArena {
    return new ChunkArena({ chunkBytes: handle.chunkBytes, maxChunks: handle.maxChunks }, handle);
  }

  /** Returns plain structured-cloneable data (SABs + numbers) for `attach`. */
  handle(): ChunkArenaHandle {
    return {
      control: this.control.buffer as SharedArrayBuffer,
      segments: this.segments,
      chunkBytes: this.chunkBytes,
      maxChunks: this.maxChunks,
      chunksPerSegment: this.chunksPerSegment,
      name: this.name,
    };
  }

  /**
   * Allocates a chunk and returns its index. Its bytes are zero (fresh
   * growth of a never-freed segment). Thread-safe; throws ArenaExhausted
   * once `maxChunks` chunks exist.
   */
  allocChunk(): number {
    // why: the atomic bump hands each caller a distinct index without a lock.
    const chunk = Atomics.add(this.control, ARENA_NEXT_CHUNK, 1);
    if (chunk >= this.maxChunks || chunk < 0) {
      throw new ArenaExhausted(`${this.name}: all ${this.maxChunks} chunks of ${this.chunkBytes} B are in use`);
    }
    const seg = (chunk / this.chunksPerSegment) | 0;
    const needed = (chunk - seg * this.chunksPerSegment + 1) * this.chunkBytes;
    const sab = this.segments[seg]! as GrowableSharedArrayBuffer;
    while (sab.byteLength < needed) {
      try {
        sab.grow(needed);
      } catch (e) {
        // Another thread grew the segment past `needed` between our check and
        // our grow (grow never shrinks, so it throws); the loop re-checks.
        if (!(e instanceof RangeError) || sab.byteLength < needed) throw e;
      }
    }
    return chunk;
  }

  /** Number of chunks handed out so far. */
  allocatedChunks(): number {
    // why: a plain snapshot of the bump counter; the cap clamps overshoot from failed allocations.
    return Math.min(Atomics.load(this.control, ARENA_NEXT_CHUNK), this.maxChunks);
  }

  /** Host bytes committed: grown segment bytes plus the control block. */
  hostBytes(): number {
    let bytes = this.control.byteLength;
    for (const s of this.segments) bytes += s.byteLength;
    return bytes;
  }

  /**
   * Returns an Int32Array over the segment holding `chunk`; the chunk's
   * words start at `wordOffset(chunk)`. `chunk` must come from `allocChunk`
   * (in any thread) and have been published to this thread.
   */
  view32(chunk: number): Int32Array {
    if (chunk < this.covered32First) return this.view32First; // fast path: segment 0, already covered
    const seg = (chunk / this.chunksPerSegment) | 0;
    const local = chunk - seg * this.chunksPerSegment;
    const v = this.views32[seg];
    if (v !== undefined && local < this.covered32[seg]!) return v;
    return this.refresh32(seg, local);
  }

  /** Returns a Uint8Array over the segment holding `chunk`; its bytes start at `byteOffset(chunk)`. */
  view8(chunk: number): Uint8Array {
    const seg = (chunk / this.chunksPerSegment) | 0;
    const local = chunk - seg * this.chunksPerSegment;
    const v = this.views8[seg];
    if (v !== undefined && local < this.covered8[seg]!) return v;
    return this.refresh8(seg, local);
  }

  /** Index of the chunk's first Int32 word inside `view32(chunk)`. */
  wordOffset(chunk: number): number {
    return (chunk < this.chunksPerSegment ? chunk : chunk % this.chunksPerSegment) * this.chunkWords;
  }

  /** Index of the chunk's first byte inside `view8(chunk)`. */
  byteOffset(chunk: number): number {
    return (chunk % this.chunksPerSegment) * this.chunkBytes;
  }

  private grownChunks(seg: number, local: number): number {
    const sab = this.segments[seg];
    if (sab === undefined) throw new CdmsimError(`${this.name}: no segment ${seg}`);
    const chunks = Math.floor(sab.byteLength / this.chunkBytes);
    if (local >= chunks) throw new CdmsimError(`${this.name}: chunk ${seg * this.chunksPerSegment + local} was never allocated`);
    return chunks;
  }

  private refresh32(seg: number, local: number): Int32Array {
    const chunks = this.grownChunks(seg, local);
    const v = new Int32Array(this.segments[seg]!, 0, (chunks * this.chunkBytes) / WORD_BYTES);
    this.views32[seg] = v;
    this.covered32[seg] = chunks;
    if (seg === 0) {
      this.view32First = v;
      this.covered32First = chunks;
    }
    return v;
  }

  private refresh8(seg: number, local: number): Uint8Array {
    const chunks = this.grownChunks(seg, local);
    const v = new Uint8Array(this.segments[seg]!, 0, chunks * this.chunkBytes);
    this.views8[seg] = v;
    this.covered8[seg] = chunks;
    return v;
  }
}
