/**
 * Every SharedArrayBuffer layout of cdmsim: offsets, strides, bit fields and
 * sentinel values. No other module may hard-code a position inside shared
 * memory; they import the names below. Offsets are in Int32 words unless the
 * name says `_BYTES`. `describeLayouts()` renders the `*_LAYOUT` tables.
 */

/** One row of a rendered layout table. */
export interface LayoutField {
  /** Field name as used in code. */
  readonly field: string;
  /** Byte offset from the start of the record / header. */
  readonly offsetBytes: number;
  /** Bit range inside the word, e.g. `0-31` or `3`. */
  readonly bits: string;
  /** What the field means. */
  readonly meaning: string;
}

/** A named record layout for `describeLayouts()`. */
export interface RecordLayout {
  readonly name: string;
  readonly sizeBytes: number;
  readonly note: string;
  readonly fields: readonly LayoutField[];
}

// ---------------------------------------------------------------------------
// Shared sizes

/** Bytes of one Int32 word. */
export const WORD_BYTES = 4;
/** Cache line size used to keep producer and consumer words apart. */
export const CACHE_LINE_BYTES = 64;
/** Int32 words per cache line. */
export const CACHE_LINE_WORDS = CACHE_LINE_BYTES / WORD_BYTES;
/** Largest growable SharedArrayBuffer Node 20 accepts (8 GiB throws). */
export const MAX_SEGMENT_BYTES = 2 ** 32;

// ---------------------------------------------------------------------------
// Word locks (page lock, PTE lock). Values of a lock word.

/** Lock word value: free. */
export const LOCK_FREE = 0;
/** Lock word value (free mode): held, nobody waits. */
export const LOCK_HELD = 1;
/** Lock word value (free mode): held, at least one thread may sleep on it. */
export const LOCK_CONTENDED = 2;

/** Documented layout of lock words (rendered by `describeLayouts`). */
export const LOCK_WORD_LAYOUT: RecordLayout = {
  name: 'Lock word (page lock, PTE lock)',
  sizeBytes: 4,
  note: 'Free mode: futex mutex (0 free, 1 held, 2 held+contended). Deterministic mode: 0 free, else owner tag (>= 1).',
  fields: [{ field: 'lock', offsetBytes: 0, bits: '0-31', meaning: `${LOCK_FREE} free; ${LOCK_HELD} held; ${LOCK_CONTENDED} held with waiters (free mode) / owner tag (deterministic mode)` }],
};

// ---------------------------------------------------------------------------
// ChunkArena control block (Int32Array over a small SAB)

/** Control word: next chunk index to hand out (atomic bump counter). */
export const ARENA_NEXT_CHUNK = 0;
/** Int32 words of the arena control block (one cache line). */
export const ARENA_CTRL_WORDS = CACHE_LINE_WORDS;

/** Documented layout of the ChunkArena control block (rendered by `describeLayouts`). */
export const ARENA_CTRL_LAYOUT: RecordLayout = {
  name: 'ChunkArena control block',
  sizeBytes: ARENA_CTRL_WORDS * WORD_BYTES,
  note: 'Chunks live in growable SAB segments of at most 4 GiB; chunk c is in segment floor(c / chunksPerSegment).',
  fields: [{ field: 'ARENA_NEXT_CHUNK', offsetBytes: ARENA_NEXT_CHUNK * WORD_BYTES, bits: '0-31', meaning: 'next chunk index (Atomics.add bump counter; may overshoot the cap)' }],
};

// ---------------------------------------------------------------------------
// Frame table (`struct page` array)

/**
 * Page type of a memory, after the kernel's `enum memory_type` plus system
 * RAM. Stored in 2 bits of the frame record.
 */
export enum PageType {
  SYSTEM_RAM = 0,
  DEVICE_HOST = 1,
  DEVICE_PRIVATE = 2,
  DEVICE_PUBLIC = 3,
}

/** Frame record word: page flags (`PG_*` bits below). */
export const FR_FLAGS = 0;
/** Frame record word: reference count (`_refcount`). */
export const FR_REFCOUNT = 1;
/** Frame record word: number of PTEs mapping the frame (`page_mapcount()`, starts at 0, not the kernel's -1 biased `_mapcount`). */
export const FR_MAPCOUNT = 2;
/** Frame record word: page type, memory node and memcg id, packed (see `FR_NODE_*`). */
export const FR_NODE = 3;
/** Frame record word: mapping id (0 = none; meaning belongs to the mm layer). */
export const FR_MAPPING = 4;
/** Frame record word: page offset inside the mapping (`page->index`). */
export const FR_INDEX = 5;
/** Frame record word: content slot in the ContentStore (0 = never written, reads as zeroes). */
export const FR_CONTENT_SLOT = 6;
/** Frame record word: page lock (a lock word, see `LOCK_*`). */
export const FR_LOCK = 7;
/** Int32 words per frame record (stride). */
export const FRAME_RECORD_WORDS = 8;
/** Bytes per frame record. */
export const FRAME_RECORD_BYTES = FRAME_RECORD_WORDS * WORD_BYTES;

/** Bits of `FR_NODE` holding the page type. */
export const FR_NODE_TYPE_MASK = 0x3;
/** Shift of the memory node id inside `FR_NODE`. */
export const FR_NODE_MEMNODE_SHIFT = 2;
/** Mask (after shifting) of the memory node id: 14 bits. */
export const FR_NODE_MEMNODE_MASK = 0x3fff;
/** Shift of the memcg id inside `FR_NODE`. */
export const FR_NODE_MEMCG_SHIFT = 16;
/** Largest memcg id (16 bits, like the kernel's `MEM_CGROUP_ID_MAX`); 0 = not charged. */
export const MEMCG_ID_MAX = 0xffff;
/** Largest memory node id that fits `FR_NODE`. */
export const MEMNODE_ID_MAX = FR_NODE_MEMNODE_MASK;

/** log2 of frames per frame-table chunk. */
export const FRAME_CHUNK_SHIFT = 12;
/** Frames per frame-table chunk (one arena chunk = 4096 records = 128 KiB). */
export const FRAME_CHUNK_FRAMES = 1 << FRAME_CHUNK_SHIFT;
/** Mask of a frame's position inside its chunk. */
export const FRAME_CHUNK_MASK = FRAME_CHUNK_FRAMES - 1;
/** Bytes of one frame-table chunk. */
export const FRAME_CHUNK_BYTES = FRAME_CHUNK_FRAMES * FRAME_RECORD_BYTES;
/** Largest PFN space a frame table supports (PFN words are read as uint32). */
export const MAX_FRAMES = 2 ** 32;

/** Directory entry: chunk not allocated; frames read as their initial state. */
export const DIR_ABSENT = -1;
/** Directory entry: a thread claimed the chunk and is initialising it; others wait. */
export const DIR_CLAIMED = -2;

/** Page flags, named after the kernel's `enum pageflags` (`PG_*`). */
export const PG = {
  /** Page lock held. Mirrors the `FR_LOCK` word: set after acquiring, cleared before releasing. */
  LOCKED: 1 << 0,
  REFERENCED: 1 << 1,
  UPTODATE: 1 << 2,
  DIRTY: 1 << 3,
  LRU: 1 << 4,
  ACTIVE: 1 << 5,
  WORKINGSET: 1 << 6,
  /** Someone waits on the page (kept by the mm layer; the lock word records its own contention). */
  WAITERS: 1 << 7,
  /** Set at init on every ZONE_DEVICE frame (`memmap_init_zone_device`). */
  RESERVED: 1 << 8,
  PRIVATE: 1 << 9,
  WRITEBACK: 1 << 10,
  RECLAIM: 1 << 11,
  SWAPBACKED: 1 << 12,
  UNEVICTABLE: 1 << 13,
  MLOCKED: 1 << 14,
  /** Anonymous page (the kernel encodes this as `PAGE_MAPPING_ANON` in `page->mapping`). */
  ANON: 1 << 15,
  /** Isolated from the LRU for migration (`PG_isolated`). */
  ISOLATED: 1 << 16,
  SWAPCACHE: 1 << 17,
} as const;

/** Name of a page flag bit. */
export type PageFlagName = keyof typeof PG;

/** Initial refcount of a ZONE_DEVICE frame: an idle device page holds refcount 1. */
export const DEVICE_IDLE_REFCOUNT = 1;

/** Documented layout of a frame record (rendered by `describeLayouts`). */
export const FRAME_RECORD_LAYOUT: RecordLayout = {
  name: 'Frame record (`struct page`)',
  sizeBytes: FRAME_RECORD_BYTES,
  note: `Stride ${FRAME_RECORD_BYTES} B; ${FRAME_CHUNK_FRAMES} records per chunk (${FRAME_CHUNK_BYTES / 1024} KiB), allocated on first write. Absent chunks read as the initial state: system RAM free (all 0); device frames refcount ${DEVICE_IDLE_REFCOUNT}, flags RESERVED.`,
  fields: [
    { field: 'FR_FLAGS', offsetBytes: FR_FLAGS * 4, bits: '0-31', meaning: 'PG_* flags: ' + Object.entries(PG).map(([n, b]) => `${n}=${Math.log2(b)}`).join(', ') },
    { field: 'FR_REFCOUNT', offsetBytes: FR_REFCOUNT * 4, bits: '0-31', meaning: '_refcount (0 = free RAM frame; 1 = idle device frame)' },
    { field: 'FR_MAPCOUNT', offsetBytes: FR_MAPCOUNT * 4, bits: '0-31', meaning: 'page_mapcount(): number of mapping PTEs, starts at 0 (not -1 biased)' },
    { field: 'FR_NODE.type', offsetBytes: FR_NODE * 4, bits: '0-1', meaning: 'PageType (immutable)' },
    { field: 'FR_NODE.memNode', offsetBytes: FR_NODE * 4, bits: '2-15', meaning: 'memory node id (immutable)' },
    { field: 'FR_NODE.memcg', offsetBytes: FR_NODE * 4, bits: '16-31', meaning: 'memcg id, 0 = not charged' },
    { field: 'FR_MAPPING', offsetBytes: FR_MAPPING * 4, bits: '0-31', meaning: 'mapping id, 0 = none (mm layer assigns anon/file/shmem ids)' },
    { field: 'FR_INDEX', offsetBytes: FR_INDEX * 4, bits: '0-31', meaning: 'page offset in mapping (page->index)' },
    { field: 'FR_CONTENT_SLOT', offsetBytes: FR_CONTENT_SLOT * 4, bits: '0-31', meaning: 'ContentStore slot, 0 = never written (reads as zeroes)' },
    { field: 'FR_LOCK', offsetBytes: FR_LOCK * 4, bits: '0-31', meaning: 'page lock word (see lock word layout)' },
  ],
};

/** Documented layout of a frame-table directory entry (rendered by `describeLayouts`). */
export const FRAME_DIRECTORY_LAYOUT: RecordLayout = {
  name: 'Frame-table directory entry',
  sizeBytes: 4,
  note: `One Int32 per ${FRAME_CHUNK_FRAMES} frames; entry = pfn >>> ${FRAME_CHUNK_SHIFT}.`,
  fields: [{ field: 'dir[chunk]', offsetBytes: 0, bits: '0-31', meaning: `${DIR_ABSENT} absent; ${DIR_CLAIMED} being initialised; >= 0 arena chunk index` }],
};

// ---------------------------------------------------------------------------
// Page tables

/** Bits of VPN consumed per page-table level. */
export const PT_LEVEL_BITS = 9;
/** Entries per page-table page. */
export const PT_ENTRIES = 1 << PT_LEVEL_BITS;
/** Mask of one level's index. */
export const PT_INDEX_MASK = PT_ENTRIES - 1;
/** Number of levels (root = level PT_LEVELS - 1, leaf = level 0). */
export const PT_LEVELS = 4;
/** Bits of a virtual page number (48-bit VA, 4 KiB pages). */
export const VPN_BITS = PT_LEVEL_BITS * PT_LEVELS;
/** Number of virtual pages (exclusive VPN bound). */
export const VPN_LIMIT = 2 ** VPN_BITS;

/** Page-table page header word: the split PTE lock (`pte_lockptr`). */
export const PT_LOCK = 0;
/** Page-table page header word: level of this table (0 = leaf). */
export const PT_LEVEL = 1;
/** Page-table page header word: write sequence (odd while a leaf entry is being written; seqlock for lockless readers). */
export const PT_SEQ = 2;
/** Int32 words of the page-table page header. */
export const PT_HEADER_WORDS = 4;
/** Int32 words per PTE: [pfn, bits]. */
export const PTE_WORDS = 2;
/** PTE word: pfn (read as uint32). For swap-type entries the pfn of the device / migrating page. */
export const PTE_PFN = 0;
/** PTE word: kind and flags. */
export const PTE_BITS = 1;
/** Int32 words of one page-table page (header + 512 entries). */
export const PT_PAGE_WORDS = PT_HEADER_WORDS + PT_ENTRIES * PTE_WORDS;
/** Bytes of one page-table page (one arena chunk). */
export const PT_PAGE_BYTES = PT_PAGE_WORDS * WORD_BYTES;

/** Upper-level entry word 0: child table index + 1; this value = no child. */
export const PT_CHILD_NONE = 0;
/** Upper-level entry word 0: a thread is allocating the child; others wait. */
export const PT_CHILD_CLAIMED = -1;

/** Mask of the entry kind inside PTE_BITS. */
export const PTE_KIND_MASK = 0x7;

/** Kind of a leaf entry (low 3 bits of PTE_BITS). */
export enum PteKind {
  /** pte_none(): nothing mapped. */
  NONE = 0,
  /** Present PTE of a normal page (system RAM). */
  PRESENT = 1,
  /** Present PTE with the devmap bit (device-public / device-host pages). */
  DEVMAP = 2,
  /** Non-present device-private swap entry (`make_device_private_entry`). */
  DEVICE_PRIVATE = 3,
  /** Non-present migration entry (`make_migration_entry`). */
  MIGRATION = 4,
  /** Present PTE of the shared zero page (`my_zero_pfn`). */
  ZERO = 5,
  /** Non-present device-exclusive swap entry (`make_device_exclusive_entry`): a device holds the page for atomic access until the CPU touches it. */
  DEVICE_EXCLUSIVE = 6,
}

/** PTE flag: hardware write permission (present kinds only). */
export const PTE_WRITE = 1 << 3;
/** PTE flag: dirty (present kinds only). */
export const PTE_DIRTY = 1 << 4;
/** PTE flag: young / accessed (present kinds only). */
export const PTE_YOUNG = 1 << 5;
/** PTE flag: soft-dirty (any kind; `_PAGE_SOFT_DIRTY` / `_PAGE_SWP_SOFT_DIRTY`). */
export const PTE_SOFT_DIRTY = 1 << 6;
/** PTE flag: special (`pte_special`: no struct page refcounting; zero page). */
export const PTE_SPECIAL = 1 << 7;
/** Swap-entry write bit of DEVICE_PRIVATE / MIGRATION entries (`SWP_DEVICE_WRITE`, `SWP_MIGRATION_WRITE`). */
export const PTE_ENTRY_WRITE = 1 << 8;
/** All defined PTE flag bits. */
export const PTE_FLAG_MASK = PTE_WRITE | PTE_DIRTY | PTE_YOUNG | PTE_SOFT_DIRTY | PTE_SPECIAL | PTE_ENTRY_WRITE;

/** Documented layout of a page-table page (rendered by `describeLayouts`). */
export const PT_PAGE_LAYOUT: RecordLayout = {
  name: 'Page-table page',
  sizeBytes: PT_PAGE_BYTES,
  note: `${PT_LEVELS} levels x ${PT_LEVEL_BITS} bits; one arena chunk per table, allocated on demand. A PTE handle is tableIndex * ${PT_ENTRIES} + entry.`,
  fields: [
    { field: 'PT_LOCK', offsetBytes: PT_LOCK * 4, bits: '0-31', meaning: 'split PTE lock of this table (lock word)' },
    { field: 'PT_LEVEL', offsetBytes: PT_LEVEL * 4, bits: '0-31', meaning: `level (0 = leaf, ${PT_LEVELS - 1} = root)` },
    { field: 'PT_SEQ', offsetBytes: PT_SEQ * 4, bits: '0-31', meaning: 'leaf write sequence (odd while writing) for lockless snapshots' },
    { field: 'entry[i].pfn', offsetBytes: PT_HEADER_WORDS * 4, bits: '0-31', meaning: `leaf: pfn (uint32); upper level: child table + 1 (${PT_CHILD_NONE} none, ${PT_CHILD_CLAIMED} being allocated)` },
    { field: 'entry[i].bits', offsetBytes: PT_HEADER_WORDS * 4 + 4, bits: '0-31', meaning: 'leaf: kind and flags (see PTE bits); upper level: unused (0)' },
  ],
};

/** Documented layout of the PTE bits word (rendered by `describeLayouts`). */
export const PTE_BITS_LAYOUT: RecordLayout = {
  name: 'PTE bits word',
  sizeBytes: 4,
  note: 'WRITE/DIRTY/YOUNG apply to present kinds (PRESENT, DEVMAP; ZERO may only be YOUNG); ENTRY_WRITE only to DEVICE_PRIVATE and MIGRATION.',
  fields: [
    { field: 'kind', offsetBytes: 0, bits: '0-2', meaning: Object.entries(PteKind).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${String(v)} ${k}`).join(', ') },
    { field: 'PTE_WRITE', offsetBytes: 0, bits: '3', meaning: 'writable (present kinds)' },
    { field: 'PTE_DIRTY', offsetBytes: 0, bits: '4', meaning: 'dirty (present kinds)' },
    { field: 'PTE_YOUNG', offsetBytes: 0, bits: '5', meaning: 'accessed (present kinds)' },
    { field: 'PTE_SOFT_DIRTY', offsetBytes: 0, bits: '6', meaning: 'soft-dirty (any kind)' },
    { field: 'PTE_SPECIAL', offsetBytes: 0, bits: '7', meaning: 'special mapping (no refcounting)' },
    { field: 'PTE_ENTRY_WRITE', offsetBytes: 0, bits: '8', meaning: 'write swap entry (device-private / migration / device-exclusive)' },
  ],
};

// ---------------------------------------------------------------------------
// Content store control block

/** BigInt64 index of the free-slot stack head: (tag << 32) | slot, slot 0 = empty. */
export const CS_FREE_HEAD_I64 = 0;
/** Int32 word: live (written, unreleased) content slots. */
export const CS_LIVE_PAGES = 2;
/** Int32 word: slots currently on the free stack. */
export const CS_FREE_PAGES = 3;
/** Bytes of the content-store control block. */
export const CS_CTRL_BYTES = CACHE_LINE_BYTES;
/** Int32 word at the start of a free slot: next free slot (0 = end of stack). */
export const CS_FREE_NEXT = 0;

/** Documented layout of the ContentStore control block (rendered by `describeLayouts`). */
export const CONTENT_CTRL_LAYOUT: RecordLayout = {
  name: 'ContentStore control block',
  sizeBytes: CS_CTRL_BYTES,
  note: 'Slots are arena chunks of pageSize bytes; slot s = chunk s - 1. A free slot stores the next free slot in its first word.',
  fields: [
    { field: 'CS_FREE_HEAD_I64', offsetBytes: CS_FREE_HEAD_I64 * 8, bits: '0-63', meaning: 'Treiber stack head: bits 0-31 slot (0 empty), 32-63 ABA tag' },
    { field: 'CS_LIVE_PAGES', offsetBytes: CS_LIVE_PAGES * 4, bits: '0-31', meaning: 'written pages holding a slot' },
    { field: 'CS_FREE_PAGES', offsetBytes: CS_FREE_PAGES * 4, bits: '0-31', meaning: 'slots on the free stack' },
  ],
};

// ---------------------------------------------------------------------------
// Ring buffer

/** Ring header word: consumer's byte counter (wraps mod 2^32). Own cache line. */
export const RING_HEAD = 0;
/** Ring header word: producer's published byte counter (wraps mod 2^32). Own cache line. */
export const RING_TAIL = CACHE_LINE_WORDS;
/** Ring header word: data capacity in bytes (power of two). */
export const RING_CAPACITY = 2 * CACHE_LINE_WORDS;
/** Ring header word: 1 while the producer sleeps waiting for space. */
export const RING_PRODUCER_WAITING = 2 * CACHE_LINE_WORDS + 1;
/** Bytes of the ring header (three cache lines); data follows. */
export const RING_HEADER_BYTES = 3 * CACHE_LINE_BYTES;
/** Bytes of a record's length prefix. */
export const RING_RECORD_HEADER_BYTES = 4;
/** Record alignment in bytes (records start on 4-byte boundaries). */
export const RING_ALIGN_BYTES = 4;
/** Length-prefix value meaning "skip to the start of the ring". */
export const RING_WRAP_MARKER = -1;
/** Smallest ring capacity. */
export const RING_MIN_CAPACITY = 64;
/** Largest ring capacity (counters are int32 modulo 2^32). */
export const RING_MAX_CAPACITY = 2 ** 30;

/** Documented layout of the ring-buffer header (rendered by `describeLayouts`). */
export const RING_LAYOUT: RecordLayout = {
  name: 'Ring buffer (SPSC)',
  sizeBytes: RING_HEADER_BYTES,
  note: `Header of ${RING_HEADER_BYTES} B then capacity bytes of records: [int32 length][payload][pad to ${RING_ALIGN_BYTES}]; length ${RING_WRAP_MARKER} = wrap marker. A record never wraps; payload <= capacity/2 - 4.`,
  fields: [
    { field: 'RING_HEAD', offsetBytes: RING_HEAD * 4, bits: '0-31', meaning: 'consumed byte counter (consumer writes)' },
    { field: 'RING_TAIL', offsetBytes: RING_TAIL * 4, bits: '0-31', meaning: 'published byte counter (producer writes)' },
    { field: 'RING_CAPACITY', offsetBytes: RING_CAPACITY * 4, bits: '0-31', meaning: 'data bytes (power of two)' },
    { field: 'RING_PRODUCER_WAITING', offsetBytes: RING_PRODUCER_WAITING * 4, bits: '0-31', meaning: '1 while the producer sleeps on RING_HEAD' },
  ],
};

// ---------------------------------------------------------------------------
// Doorbell

/** Doorbell word: ring count (receivers wait on it). */
export const BELL_SEQ = 0;
/** Doorbell word: number of receivers asleep (ring() notifies only if > 0). */
export const BELL_SLEEPERS = 1;
/** Bytes of a doorbell. */
export const BELL_BYTES = CACHE_LINE_BYTES;

/** Documented layout of a doorbell (rendered by `describeLayouts`). */
export const DOORBELL_LAYOUT: RecordLayout = {
  name: 'Doorbell',
  sizeBytes: BELL_BYTES,
  note: 'One per receiving worker, shared by all rings into it.',
  fields: [
    { field: 'BELL_SEQ', offsetBytes: BELL_SEQ * 4, bits: '0-31', meaning: 'ring counter (wraps)' },
    { field: 'BELL_SLEEPERS', offsetBytes: BELL_SLEEPERS * 4, bits: '0-31', meaning: 'receivers inside Atomics.wait' },
  ],
};

// ---------------------------------------------------------------------------
// Barrier

/** Barrier word: parties arrived in the current generation. */
export const BAR_COUNT = 0;
/** Barrier word: generation (waiters sleep on it). */
export const BAR_GENERATION = 1;
/** Barrier word: 1 once aborted. */
export const BAR_ABORTED = 2;
/** Barrier word: number of parties. */
export const BAR_PARTIES = 3;
/** BigInt64 index: running minimum of this generation (float64 bit pattern). */
export const BAR_REDUCE_ACC_I64 = 2;
/** BigInt64 index: minimum of the last completed generation (float64 bit pattern). */
export const BAR_REDUCE_RESULT_I64 = 3;
/** Bytes of a barrier. */
export const BAR_BYTES = CACHE_LINE_BYTES;

/** Documented layout of a barrier (rendered by `describeLayouts`). */
export const BARRIER_LAYOUT: RecordLayout = {
  name: 'Barrier',
  sizeBytes: BAR_BYTES,
  note: 'Min-reduction compares float64 bit patterns as int64 (monotonic for non-negative doubles), so it is exact and order independent.',
  fields: [
    { field: 'BAR_COUNT', offsetBytes: BAR_COUNT * 4, bits: '0-31', meaning: 'arrived parties' },
    { field: 'BAR_GENERATION', offsetBytes: BAR_GENERATION * 4, bits: '0-31', meaning: 'generation (bumped by the last arriver and by abort)' },
    { field: 'BAR_ABORTED', offsetBytes: BAR_ABORTED * 4, bits: '0-31', meaning: '1 = aborted' },
    { field: 'BAR_PARTIES', offsetBytes: BAR_PARTIES * 4, bits: '0-31', meaning: 'parties' },
    { field: 'BAR_REDUCE_ACC_I64', offsetBytes: BAR_REDUCE_ACC_I64 * 8, bits: '0-63', meaning: 'running min (float64 bits)' },
    { field: 'BAR_REDUCE_RESULT_I64', offsetBytes: BAR_REDUCE_RESULT_I64 * 8, bits: '0-63', meaning: 'last generation min (float64 bits)' },
  ],
};

// ---------------------------------------------------------------------------
// Run-control block (one per simulation; see run-control.ts)

/** Int32 word: parties arrived at the current round barrier. */
export const RC_ARRIVED = 0;
/** Int32 word: barrier generation, +1 each time the last party arrives. */
export const RC_GENERATION = CACHE_LINE_WORDS;
/** Int32 word: non-zero once a worker failed or the run was stopped. */
export const RC_ABORT = 2 * CACHE_LINE_WORDS;
/** Int32 word: non-zero once the run is over (free-mode quiescence). */
export const RC_FINISHED = 3 * CACHE_LINE_WORDS;
/** Int32 word: generation checks a barrier waiter spins through before sleeping. */
export const RC_SPIN = 4 * CACHE_LINE_WORDS;
/** Int32 word: parties expected at the current round barrier (the active workers). */
export const RC_EXPECTED = 5 * CACHE_LINE_WORDS;
/** Int32 word: rounds closed so far (deterministic mode). */
export const RC_ROUNDS = 6 * CACHE_LINE_WORDS;
/** Int32 word index of worker 0's doorbell; worker i's is `RC_DOORBELL_BASE + i * CACHE_LINE_WORDS`. */
export const RC_DOORBELL_BASE = 7 * CACHE_LINE_WORDS;
/** Offset, from a worker's doorbell word, of its ACTIVE stamp: the generation of the next round it takes part in, -1 when it sits it out. */
export const RC_ACTIVE_OFFSET = 1;
/** Offset, from a worker's doorbell word, of its sleeper count (ring() notifies only when it is non-zero). */
export const RC_SLEEPERS_OFFSET = 2;
/** Shift of the in-flight envelope count inside the 64-bit quiescence word (low bits: idle workers). */
export const RC_IN_FLIGHT_SHIFT = 16;

/** Documented layout of the run-control block (rendered by `describeLayouts`). */
export const RUN_CONTROL_LAYOUT: RecordLayout = {
  name: 'Run-control block (fixed header; then 64 B of doorbell per worker)',
  sizeBytes: RC_DOORBELL_BASE * WORD_BYTES,
  note: 'For w workers hosting n nodes: after the doorbells, n Int32 words give the worker of each node. Then Float64 [0, n) the horizon of each node for the current round, [n, 4n) progress (simulated time, work done / total per node), the 64-bit quiescence word on its own line, then the n x 3n Float64 matrix of rows (RunControl.publishRow): row j, column k < n = earliest event node j knows of for node k (its own next event, or the earliest arrival it sent toward k); column n + i = a lower bound on when anything node j\'s pending events cause can arrive at node i; column 2n + k = the earliest time node k may send because of what j sent it (arrival plus the declared reaction there); rows of nodes whose worker sits a round out keep their bounds and stay as the last arriver folded the rest.',
  fields: [
    { field: 'RC_ARRIVED', offsetBytes: RC_ARRIVED * 4, bits: '0-31', meaning: 'parties arrived at the round barrier' },
    { field: 'RC_GENERATION', offsetBytes: RC_GENERATION * 4, bits: '0-31', meaning: 'barrier generation, bumped by the last arriver once the stamps, horizons and count of the next round are stored' },
    { field: 'RC_ABORT', offsetBytes: RC_ABORT * 4, bits: '0-31', meaning: 'non-zero = aborted (every waiter wakes and throws RunAborted)' },
    { field: 'RC_FINISHED', offsetBytes: RC_FINISHED * 4, bits: '0-31', meaning: 'non-zero = finished (free-mode quiescence reached)' },
    { field: 'RC_SPIN', offsetBytes: RC_SPIN * 4, bits: '0-31', meaning: 'spin checks before sleeping (0 when workers outnumber cores)' },
    { field: 'RC_EXPECTED', offsetBytes: RC_EXPECTED * 4, bits: '0-31', meaning: 'active workers expected at the current round barrier' },
    { field: 'RC_ROUNDS', offsetBytes: RC_ROUNDS * 4, bits: '0-31', meaning: 'rounds closed so far (counted by each round\'s last arriver)' },
    { field: 'RC_DOORBELL_BASE + 16 i', offsetBytes: RC_DOORBELL_BASE * 4, bits: '0-31', meaning: 'doorbell of worker i, one per 64-byte line: the only word a worker sleeps on' },
    { field: 'RC_DOORBELL_BASE + 16 i + RC_ACTIVE_OFFSET', offsetBytes: (RC_DOORBELL_BASE + RC_ACTIVE_OFFSET) * 4, bits: '0-31', meaning: 'generation of the next round worker i takes part in, -1 = sits it out (stamped by the last arriver before the generation is bumped)' },
    { field: 'RC_DOORBELL_BASE + 16 i + RC_SLEEPERS_OFFSET', offsetBytes: (RC_DOORBELL_BASE + RC_SLEEPERS_OFFSET) * 4, bits: '0-31', meaning: 'worker i is asleep on its doorbell (ring() skips the notify when 0)' },
  ],
};

// ---------------------------------------------------------------------------
// Coherence watch (cross-worker SWMR / data-value checker of coherence-random)

/** Int32 word of the header: violations any worker detected. */
export const CW_VIOLATIONS = 0;
/** Int32 words of the header (one cache line). */
export const CW_HEADER_WORDS = CACHE_LINE_WORDS;
/** Int32 words per line slot (one cache line, so workers touching different lines never share one). */
export const CW_LINE_STRIDE_WORDS = CACHE_LINE_WORDS;
/** Offset in a line slot: the holders word (reader bitmap + writer field), changed only by compareExchange. */
export const CW_HOLDERS = 0;
/** Offset in a line slot: the value of the last store that performed (initially 0, memory's value). */
export const CW_LAST_VALUE = 1;
/** Offset in a line slot: stores performed on the line. */
export const CW_STORES = 2;
/** Bits of the holders word holding one reader bit per node (bit i = node i holds read-only permission). */
export const CW_READER_BITS = 24;
/** Mask of the reader bitmap in the holders word. */
export const CW_READERS_MASK = (1 << CW_READER_BITS) - 1;
/** Shift of the writer field in the holders word: 0 = no writer, else writer node + 1. */
export const CW_WRITER_SHIFT = CW_READER_BITS;

/** Documented layout of the coherence watch (rendered by `describeLayouts`). */
export const COHERENCE_WATCH_LAYOUT: RecordLayout = {
  name: 'Coherence watch (64 B header, then one 64 B slot per tested line)',
  sizeBytes: (CW_HEADER_WORDS + CW_LINE_STRIDE_WORDS) * WORD_BYTES,
  note: 'Created for a workload that checks coherence across workers (its shared-state needs ask for a number of lines: tested lines, litmus locations, or every line of the pages the caches may hold). Line slot l starts at Int32 word CW_HEADER_WORDS + l * CW_LINE_STRIDE_WORDS. Every cache records its permission changes and performed stores here, so SWMR and data values are checked across workers.',
  fields: [
    { field: 'CW_VIOLATIONS', offsetBytes: CW_VIOLATIONS * WORD_BYTES, bits: '0-31', meaning: 'violations detected by any worker' },
    { field: 'CW_HOLDERS (slot)', offsetBytes: (CW_HEADER_WORDS + CW_HOLDERS) * WORD_BYTES, bits: `0-${CW_READER_BITS - 1}`, meaning: 'reader bitmap: bit i = node i has read-only permission' },
    { field: 'CW_HOLDERS (slot)', offsetBytes: (CW_HEADER_WORDS + CW_HOLDERS) * WORD_BYTES, bits: `${CW_WRITER_SHIFT}-31`, meaning: '0 = no writer, else the node with read-write permission + 1' },
    { field: 'CW_LAST_VALUE (slot)', offsetBytes: (CW_HEADER_WORDS + CW_LAST_VALUE) * WORD_BYTES, bits: '0-31', meaning: 'value of the last store performed (coherence order)' },
    { field: 'CW_STORES (slot)', offsetBytes: (CW_HEADER_WORDS + CW_STORES) * WORD_BYTES, bits: '0-31', meaning: 'stores performed on the line' },
  ],
};

// ---------------------------------------------------------------------------
// Memcg page counters (`struct page_counter` + the per-memcg statistics)

/** Int32 words per memcg slot (one cache line: workers charging different memcgs never share one). */
export const MC_STRIDE_WORDS = CACHE_LINE_WORDS;
/** Offset in a memcg slot: hierarchical usage in pages (`page_counter.usage`), changed only by Atomics.add/sub. */
export const MC_USAGE = 0;
/** Offset in a memcg slot: limit in pages (`memory.max`); MC_UNLIMITED = none. */
export const MC_LIMIT = 1;
/** Offset in a memcg slot: charges refused on this memcg's limit (`failcnt`). */
export const MC_FAILCNT = 2;
/** Offset in a memcg slot: pages charged to this memcg itself as anon (MEMCG_RSS). */
export const MC_LOCAL_ANON = 3;
/** Offset in a memcg slot: pages charged to this memcg itself as page cache (MEMCG_CACHE, shmem included). */
export const MC_LOCAL_FILE = 4;
/** Offset in a memcg slot: pages charged to this memcg itself as shmem (NR_SHMEM). */
export const MC_LOCAL_SHMEM = 5;
/** Offset in a memcg slot: first of 4 per-page-type counters of pages charged to this memcg itself (index = PageType). */
export const MC_LOCAL_BY_TYPE = 6;
/** The limit word's value for "no limit". */
export const MC_UNLIMITED = 0x7fffffff;
/** The limit word's value before the memcg is declared (every slot starts with it). */
export const MC_UNDECLARED = -1;

/** Documented layout of the memcg counters (rendered by `describeLayouts`). */
export const MEMCG_COUNTERS_LAYOUT: RecordLayout = {
  name: 'Memcg counters (one 64 B slot per memcg id)',
  sizeBytes: MC_STRIDE_WORDS * WORD_BYTES,
  note: 'Slot of memcg id m starts at Int32 word m * MC_STRIDE_WORDS (slot 0 unused: memcg 0 = not charged). Every worker that charges or uncharges a page updates these with Atomics, so charges from processes on different CPU nodes add up; a try-charge adds first and backs out when over the limit, like page_counter_try_charge.',
  fields: [
    { field: 'MC_USAGE', offsetBytes: MC_USAGE * WORD_BYTES, bits: '0-31', meaning: 'hierarchical usage in pages (page_counter.usage)' },
    { field: 'MC_LIMIT', offsetBytes: MC_LIMIT * WORD_BYTES, bits: '0-31', meaning: `limit in pages (memory.max); ${MC_UNLIMITED} = none; ${MC_UNDECLARED} = memcg not declared yet (declaring CASes it to the limit)` },
    { field: 'MC_FAILCNT', offsetBytes: MC_FAILCNT * WORD_BYTES, bits: '0-31', meaning: 'charges refused on this limit' },
    { field: 'MC_LOCAL_ANON', offsetBytes: MC_LOCAL_ANON * WORD_BYTES, bits: '0-31', meaning: 'pages charged here as anon (MEMCG_RSS)' },
    { field: 'MC_LOCAL_FILE', offsetBytes: MC_LOCAL_FILE * WORD_BYTES, bits: '0-31', meaning: 'pages charged here as page cache (MEMCG_CACHE, shmem included)' },
    { field: 'MC_LOCAL_SHMEM', offsetBytes: MC_LOCAL_SHMEM * WORD_BYTES, bits: '0-31', meaning: 'pages charged here as shmem (NR_SHMEM)' },
    { field: 'MC_LOCAL_BY_TYPE[4]', offsetBytes: MC_LOCAL_BY_TYPE * WORD_BYTES, bits: '4 × 0-31', meaning: 'pages charged here per page type (SYSTEM_RAM, DEVICE_HOST, DEVICE_PRIVATE, DEVICE_PUBLIC order of PageType)' },
  ],
};

/** Every layout, in documentation order. */
export const ALL_LAYOUTS: readonly RecordLayout[] = [
  FRAME_RECORD_LAYOUT,
  FRAME_DIRECTORY_LAYOUT,
  LOCK_WORD_LAYOUT,
  PT_PAGE_LAYOUT,
  PTE_BITS_LAYOUT,
  CONTENT_CTRL_LAYOUT,
  ARENA_CTRL_LAYOUT,
  RING_LAYOUT,
  DOORBELL_LAYOUT,
  BARRIER_LAYOUT,
  RUN_CONTROL_LAYOUT,
  COHERENCE_WATCH_LAYOUT,
  MEMCG_COUNTERS_LAYOUT,
];
