/**
 * The zod schema of the YAML config format. It checks every rule that concerns
 * one field on its own (types, ranges, units, powers of two) and converts sizes
 * to bytes; rules that relate several fields live in `semantic-checks.ts`.
 * Descriptions here become the JSON Schema editors show (`json-schema.ts`).
 */
import { z } from 'zod';
import { nsToPs } from '@cdmsim/engine';
import { SIZE_PATTERN, isPowerOfTwo, parseSizeBytes, sizeSyntaxMessage } from './units.js';

/** Node and link names: lowercase, start with a letter. */
export const NAME_PATTERN = /^[a-z][a-z0-9_-]*$/;
/** Smallest and largest allowed page size in bytes. */
export const PAGE_SIZE_RANGE_BYTES = { min: 4 * 1024, max: 2 * 1024 * 1024 } as const;
/** Largest allowed workload buffer in bytes (1 GiB). */
export const MAX_BUFFER_BYTES = 2 ** 30;
/** Link kinds the simulator knows. */
export const LINK_KINDS = ['smp', 'nvlink', 'capi', 'ccix', 'cxl', 'pcie'] as const;
/** Kinds of device memory: CDM (`MEMORY_DEVICE_PUBLIC`) or HMM device-private. */
export const DEVICE_MEMORY_KINDS = ['public', 'private'] as const;

const name = (what: string) =>
  z
    .string()
    .regex(NAME_PATTERN, { error: 'must start with a lowercase letter and contain only a-z, 0-9, "_" and "-"' })
    .describe(what);

/** A size field: "16GiB"-style string or integer bytes; parses to bytes. */
const size = (description: string) =>
  z
    .union(
      [
        z.string().regex(SIZE_PATTERN, { error: (iss) => sizeSyntaxMessage(String(iss.input)) }),
        z.number().int().positive(),
      ],
      { error: sizeSyntaxMessage('') },
    )
    .transform((value, ctx) => {
      const parsed = parseSizeBytes(value);
      if (parsed.ok) return parsed.bytes;
      ctx.issues.push({ code: 'custom', message: parsed.message, input: value });
      return z.NEVER;
    })
    .describe(`${description} Size string with a binary unit (B, KiB, MiB, GiB, TiB), e.g. 16GiB, or integer bytes.`);

const powerOfTwoSize = (description: string) =>
  size(description).refine(isPowerOfTwo, { error: 'must be a power of two' });

const positiveNs = (description: string) =>
  z
    .number()
    .positive()
    .refine((ns) => ns <= 0 || nsToPs(ns) >= 1, { error: 'must be at least 0.001 ns (1 ps, the simulator time unit)' })
    .describe(`${description} In nanoseconds.`);

const positiveGBps = (description: string) =>
  z.number().positive().describe(`${description} In GB/s (1 GB/s = 1 byte/ns).`);

const cache = z
  .strictObject({
    size: size('Total capacity.'),
    ways: z
      .number()
      .int()
      .positive()
      .refine(isPowerOfTwo, { error: 'must be a power of two' })
      .describe('Associativity (power of two).'),
    lineSize: powerOfTwoSize('Cache line size (power of two).'),
    hitLatencyNs: positiveNs('Latency of a hit.'),
  })
  .describe('The node-level cache that takes part in coherence; size must be a multiple of ways × lineSize.');

const cpu = z
  .strictObject({
    name: name('Unique node name (across cpus and devices).'),
    cores: z.number().int().positive().describe('Number of cores.'),
    faultLatencyNs: positiveNs('Cost of a CPU page fault (minor fault: trap, allocation, PTE install), excluding the page write.').default(1_000),
    dram: z
      .strictObject({
        size: size('DRAM capacity of this node (multiple of pageSize).'),
        latencyNs: positiveNs('Access latency at the home memory controller.'),
        bandwidthGBps: positiveGBps('Memory bandwidth of this node.'),
      })
      .describe('System memory attached to this CPU node.'),
    cache,
  })
  .describe('A CPU node (socket) with its DRAM.');

const device = z
  .strictObject({
    name: name('Unique node name (across cpus and devices).'),
    kind: z.literal('gpu').describe('Device kind; only "gpu" for now.'),
    memory: z
      .strictObject({
        size: size('Device memory capacity (multiple of pageSize).'),
        kind: z
          .enum(DEVICE_MEMORY_KINDS)
          .describe(
            'public: cache-coherent device memory (CDM, MEMORY_DEVICE_PUBLIC), CPU addressable; needs a coherent path to a CPU. private: HMM device-private memory, not CPU addressable.',
          ),
        latencyNs: positiveNs('Access latency of device memory.'),
        bandwidthGBps: positiveGBps('Device memory bandwidth.'),
      })
      .describe('Memory attached to the device.'),
    cache,
    faultLatencyNs: positiveNs('Cost of a device page-fault round trip through the driver.').default(20_000),
    copyBandwidthGBps: positiveGBps('Bandwidth of the DMA copy engine used for migration.').default(50),
  })
  .describe('A device (GPU) with its own memory.');

const link = z
  .strictObject({
    name: name('Unique link name; default "<a>-<b>".').optional(),
    between: z
      .tuple([name('First endpoint node name.'), name('Second endpoint node name.')])
      .describe('The two distinct nodes (cpu or device names) this link joins.'),
    kind: z.enum(LINK_KINDS).describe('smp: CPU-CPU socket link; nvlink, capi, ccix, cxl, pcie: device links.'),
    latencyNs: positiveNs('One-way latency of one hop.'),
    bandwidthGBps: positiveGBps('Bandwidth per direction.'),
    headerBytes: z.number().int().positive().describe('Per-packet header bytes added to every message on this link.'),
    coherent: z.boolean().describe('Whether the link carries the coherence protocol.'),
  })
  .describe('A point-to-point link between two nodes.');

/** Largest `opsPerNode` of the coherence-random workload (keeps every store value a distinct Int32). */
export const MAX_COHERENCE_OPS_PER_NODE = 1_000_000;
/** Largest `lines` of the coherence-random workload. */
export const MAX_COHERENCE_LINES = 4096;
/** Largest `cacheLines` of the coherence-random workload (a fully associative cache is searched linearly). */
export const MAX_COHERENCE_CACHE_LINES = 1024;
/**
 * TEST ONLY: names of deliberately broken protocol variants the
 * coherence-random workload can run, so tests can check that the checkers
 * catch them: the cross-worker SWMR / data-value monitor (the first two) or
 * the deadlock / livelock watchdog (a lost InvAck, a livelocked
 * writeback). Never use them for experiments.
 */
export const BROKEN_PROTOCOL_NAMES = ['skip-copy-data-on-read-miss', 'owner-keeps-write-on-forwarded-read', 'sharer-drops-inv-ack', 'writeback-retries-forever'] as const;

/** Names of the litmus tests of @cdmsim/coherence (`LITMUS_TESTS`; a test keeps the two lists equal). */
export const LITMUS_TEST_NAMES = ['CoRR', 'CoWW', 'CoRW', 'CoWR', 'MP+fences'] as const;

/** Every workload kind, in the order the schema lists them (the union below must offer exactly these). */
export const WORKLOAD_KINDS = ['shared-buffer', 'coherence-random', 'litmus', 'mm-stress'] as const;

/** `"a", "b" or "c"` for messages and descriptions. */
export const WORKLOAD_KINDS_TEXT = WORKLOAD_KINDS.map((k) => JSON.stringify(k)).join(', ');

const sharedBufferWorkload = z
  .strictObject({
    kind: z.literal('shared-buffer').default('shared-buffer').describe(`Workload kind, one of: ${WORKLOAD_KINDS_TEXT} (default "shared-buffer").`),
    process: name('CPU node the process runs on; default: the first cpu.').optional(),
    bufferSize: size('Size of the shared buffer (at most 1GiB).')
      .prefault('1MiB')
      .refine((b) => b <= MAX_BUFFER_BYTES, { error: 'must be at most 1GiB' }),
    accessSize: powerOfTwoSize('Bytes per device access (power of two, 8B to pageSize).')
      .prefault('64B')
      .refine((b) => b >= 8, { error: 'must be at least 8B (a write carries its 8-byte tag)' }),
    accessesPerDevice: z.number().int().positive().default(512).describe('Accesses each device makes.'),
    writeFraction: z.number().min(0).max(1).default(0.5).describe('Fraction of accesses that are writes, 0..1.'),
    overlap: z
      .boolean()
      .default(false)
      .describe('false: devices work on disjoint slices (race free); true: all devices hit the whole buffer (racy).'),
    thinkTimeNs: z.number().min(0).default(50).describe('Device compute time between accesses, in nanoseconds (≥ 0).'),
  })
  .describe('The shared-buffer experiment: devices read and write one buffer of a process.');

/** The coherence watchdog's threshold, shared by the coherence workloads. */
const watchdogPs = z
  .number()
  .int()
  .positive()
  .optional()
  .describe('A coherence transaction of a node (load, store, recall or writeback) outstanding for this many simulated picoseconds fails the run as a deadlock or livelock, listing the stuck transactions, their lines\' states and the seed; default: derived from the topology (nodes × 1000 × one miss across the longest path).');

const coherenceRandomWorkload = z
  .strictObject({
    kind: z.literal('coherence-random').describe('The coherence random tester on the real bus.'),
    lines: z.number().int().positive().max(MAX_COHERENCE_LINES).default(3).describe('Distinct cache lines every node races on, spread over the memories of different nodes.'),
    opsPerNode: z.number().int().positive().max(MAX_COHERENCE_OPS_PER_NODE).default(500).describe('Loads + stores each node issues, one at a time.'),
    storeFraction: z.number().min(0).max(1).default(0.4).describe('Fraction of operations that are stores, 0..1.'),
    maxThinkNs: z.number().min(0).default(200).describe('Think time between a node\'s operations, drawn from [0, maxThinkNs] nanoseconds.'),
    flushesPer100Ops: z.number().min(0).max(100).default(2).describe('Recalls (page flush of a line at its home directory) per 100 operations of a home node.'),
    cacheLines: z
      .number()
      .int()
      .positive()
      .max(MAX_COHERENCE_CACHE_LINES)
      .optional()
      .describe('Shrink every node\'s cache to this many lines (one fully associative set; line size and hit latency kept) so replacements and writebacks (PutM/PutE/PutS) cross the bus; default: the topology\'s caches.'),
    watchdogPs,
    testOnlyBrokenProtocol: z
      .enum(BROKEN_PROTOCOL_NAMES)
      .optional()
      .describe('TEST ONLY: run a deliberately broken protocol variant so tests can check that the checkers catch it.'),
  })
  .describe('The coherence random tester: every node\'s cache issues random loads and stores of distinct values on a few shared lines; SWMR and data values are checked across workers.');

const litmusWorkload = z
  .strictObject({
    kind: z.literal('litmus').describe('A litmus test of @cdmsim/coherence on the real bus.'),
    test: z.enum(LITMUS_TEST_NAMES).describe('Which litmus test: its threads run on the nodes (CPUs and GPUs alternately), its locations on different homes.'),
    maxStartNs: z.number().min(0).default(1000).describe('Each thread starts after its node\'s warm-up loads plus a delay drawn from [0, maxStartNs] nanoseconds.'),
    maxThinkNs: z.number().min(0).default(300).describe('Think time between a thread\'s instructions, drawn from [0, maxThinkNs] nanoseconds.'),
    cacheLines: z.number().int().positive().max(MAX_COHERENCE_CACHE_LINES).optional().describe('Shrink every node\'s cache to this many lines (one fully associative set); default: the topology\'s caches.'),
    watchdogPs,
  })
  .describe('A litmus test (CoRR, CoWW, CoRW, CoWR, MP+fences): per-node programs from its definition; the outcome is checked against its forbidden outcomes, SWMR and data values across workers.');

/**
 * TEST ONLY: rules the mm-stress workload can break on purpose so tests can
 * check that its checks catch them. `racy-shared-read` breaks determinism the
 * way model code would by mistake: each CPU node's think time reads the root
 * memcg's usage, which the other CPU node charges in the same round.
 * `skip-dma-flush` lets DMA engines copy pages without recalling their
 * cached lines first; `skip-free-invalidate` hands freed frames back without
 * invalidating cached copies of their lines (both need `caches`).
 */
export const MM_STRESS_SABOTAGE_NAMES = ['skip-put-page', 'corrupt-rss', 'racy-shared-read', 'skip-dma-flush', 'skip-free-invalidate'] as const;

const mmStressWorkload = z
  .strictObject({
    kind: z.literal('mm-stress').describe('The memory-manager stress across node workers.'),
    opsPerCpu: z.number().int().positive().max(1_000_000).default(300).describe('Random mm operations each CPU node runs (mmap, write, fork, munmap, mprotect, madvise, migrations, pins, memcg moves, exit).'),
    processesPerCpu: z.number().int().positive().max(64).default(3).describe('Most live processes on each CPU node at once.'),
    ramPagesPerCpu: z.number().int().min(16).max(1 << 20).default(192).describe('RAM pages each CPU node\'s allocator hands out (small, so RAM pressure and memcg limits are reached).'),
    devicePages: z.number().int().min(4).max(1 << 20).default(48).describe('Device pages each device\'s driver registers (hmm_devmem_add / add_resource).'),
    memcgLimitPages: z.number().int().positive().default(80).describe('Limit of the limited memcg each CPU node\'s processes may be in.'),
    evictBelowFreePages: z.number().int().min(0).default(4).describe('A device\'s driver asks the CPU nodes to migrate its pages back to RAM when fewer than this many of its pages are free (0 = never evict).'),
    maxThinkNs: z.number().min(0).default(200).describe('Think time between a CPU node\'s operations, drawn from [0, maxThinkNs] nanoseconds.'),
    caches: z.boolean().default(true).describe('Model the coherent caches: CPU stores of the stress go through the CPU node\'s cache (MOESI over the bus, line by line to device-public memory), DMA copies recall the source pages\' lines first and freed frames are reused only once every cached copy of their lines is invalidated. false: no caches, page contents are always current.'),
    cacheLines: z.number().int().positive().max(MAX_COHERENCE_CACHE_LINES).default(4).describe('With caches: every node\'s cache has this many lines (one fully associative set; the topology\'s line size and hit latency), few enough that writebacks cross the bus.'),
    testOnlySabotage: z.enum(MM_STRESS_SABOTAGE_NAMES).optional().describe('TEST ONLY: break one rule mid-run (a leaked page reference, a wrong rss counter, a read of state another worker writes in the same round) or throughout (DMA without flushing cached lines, freed frames reused without invalidating them) so tests can check the checks fail.'),
  })
  .superRefine((w, ctx) => {
    if (!w.caches && (w.testOnlySabotage === 'skip-dma-flush' || w.testOnlySabotage === 'skip-free-invalidate')) ctx.addIssue({ code: 'custom', path: ['testOnlySabotage'], message: `${w.testOnlySabotage} needs caches: true` });
  })
  .describe('The mm stress on the real simulator: processes on every CPU node mmap, write, fork, munmap, mprotect, madvise, pin, move memcgs, migrate to and from device memory and exit, while device drivers allocate, free and evict device pages; data and invariants are checked after every operation and at the end.');

const workload = z
  .discriminatedUnion('kind', [sharedBufferWorkload, coherenceRandomWorkload, litmusWorkload, mmStressWorkload])
  .describe('The experiment to run on the machine; defaults apply when absent.');

/** The zod schema of a whole config file (input: YAML shape; output: sizes in bytes, defaults filled). */
export const configSchema = z
  .strictObject({
    name: z.string().min(1).describe('Name of the machine.'),
    pageSize: size('Page size (power of two, 4KiB..2MiB).')
      .prefault('4KiB')
      .refine((b) => isPowerOfTwo(b) && b >= PAGE_SIZE_RANGE_BYTES.min && b <= PAGE_SIZE_RANGE_BYTES.max, {
        error: 'must be a power of two from 4KiB to 2MiB',
      }),
    cpus: z.array(cpu).min(1).describe('CPU nodes; they get node ids 0..C-1 in file order.'),
    devices: z.array(device).default([]).describe('Devices; they get node ids C..C+D-1 in file order.'),
    links: z.array(link).default([]).describe('Links between nodes; they get link ids in file order.'),
    workload: workload.prefault({}),
  })
  .describe('cdmsim topology configuration: a simulated machine and, optionally, the experiment to run on it.');

/** A config in the YAML shape, as a user writes it. */
export type ConfigInput = z.input<typeof configSchema>;
/** A config after schema validation: sizes in bytes, defaults filled, names not yet cross-checked. */
export type ParsedConfig = z.output<typeof configSchema>;
