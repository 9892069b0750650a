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
/** Largest device fault batch. */
export const MAX_FAULT_BATCH = 4096;
/** Link kinds the simulator knows. */
export const LINK_KINDS = ['smp', 'nvlink', 'capi', 'ccix', 'cxl', 'pcie'] as const;
/** Kinds of device memory: CDM (`MEMORY_DEVICE_PUBLIC`) or HMM device-private. */
export const DEVICE_MEMORY_KINDS = ['public', 'private'] as const;

/** A node name field: lowercase, starting with a letter (`what` becomes its description). */
export const nodeNameField = (what: string) =>
  z
    .string()
    .regex(NAME_PATTERN, { error: 'must start with a lowercase letter and contain only a-z, 0-9, "_" and "-"' })
    .describe(what);

/** A size field: "16GiB"-style string or integer bytes; parses to bytes (`description` is completed with the syntax). */
export const sizeField = (description: string) =>
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

/** A size field that must be a power of two. */
export const powerOfTwoSizeField = (description: string) =>
  sizeField(description).refine(isPowerOfTwo, { error: 'must be a power of two' });

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
    size: sizeField('Total capacity.'),
    ways: z
      .number()
      .int()
      .positive()
      .refine(isPowerOfTwo, { error: 'must be a power of two' })
      .describe('Associativity (power of two).'),
    lineSize: powerOfTwoSizeField('Cache line size (power of two).'),
    hitLatencyNs: positiveNs('Latency of a hit.'),
  })
  .describe('The node-level cache that takes part in coherence; size must be a multiple of ways × lineSize.');

const cpu = z
  .strictObject({
    name: nodeNameField('Unique node name (across cpus and devices).'),
    cores: z.number().int().positive().describe('Number of cores.'),
    faultLatencyNs: positiveNs('Cost of a CPU page fault (minor fault: trap, allocation, PTE install), excluding the page write.').default(1_000),
    dram: z
      .strictObject({
        size: sizeField('DRAM capacity of this node (multiple of pageSize).'),
        latencyNs: positiveNs('Access latency at the home memory controller.'),
        bandwidthGBps: positiveGBps('Memory bandwidth of this node.'),
      })
      .describe('System memory attached to this CPU node.'),
    cache,
  })
  .describe('A CPU node (socket) with its DRAM.');

const device = z
  .strictObject({
    name: nodeNameField('Unique node name (across cpus and devices).'),
    kind: z.literal('gpu').describe('Device kind; only "gpu" for now.'),
    memory: z
      .strictObject({
        size: sizeField('Device memory capacity (multiple of pageSize).'),
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
    faultLatencyNs: positiveNs('Cost of a device page-fault round trip through the driver: paid once per batch of faults it services.').default(20_000),
    faultBatchSize: z
      .number()
      .int()
      .positive()
      .max(MAX_FAULT_BATCH)
      .default(256)
      .describe(`Device faults the driver fetches from its fault buffer and services as one batch (sorted and deduplicated by page, one range fault per contiguous run), as NVIDIA's UVM driver does with up to 256; at most ${MAX_FAULT_BATCH}.`),
    perFaultLatencyNs: z
      .number()
      .min(0)
      .default(1_000)
      .describe('Driver time per fault of a batch (fetching, sorting, deduplicating, updating the mirror), added to faultLatencyNs. In nanoseconds (≥ 0).'),
    copyBandwidthGBps: positiveGBps('Bandwidth of the DMA copy engine used for migration.').default(50),
  })
  .describe('A device (GPU) with its own memory.');

const link = z
  .strictObject({
    name: nodeNameField('Unique link name; default "<a>-<b>".').optional(),
    between: z
      .tuple([nodeNameField('First endpoint node name.'), nodeNameField('Second endpoint node name.')])
      .describe('The two distinct nodes (cpu or device names) this link joins.'),
    kind: z.enum(LINK_KINDS).describe('smp: CPU-CPU socket link; nvlink, capi, ccix, cxl, pcie: device links.'),
    latencyNs: positiveNs('One-way latency of one hop.'),
    bandwidthGBps: positiveGBps('Bandwidth per direction.'),
    headerBytes: z.number().int().positive().describe('Per-packet header bytes added to every message on this link.'),
    coherent: z.boolean().describe('Whether the link carries the coherence protocol.'),
  })
  .describe('A point-to-point link between two nodes.');

/** The machine's fields of a config file (everything but `workload`), shared by `machineSchema` and every `configSchema`. */
export const MACHINE_SHAPE = {
    name: z.string().min(1).describe('Name of the machine.'),
    pageSize: sizeField('Page size (power of two, 4KiB..2MiB).')
      .prefault('4KiB')
      .refine((b) => isPowerOfTwo(b) && b >= PAGE_SIZE_RANGE_BYTES.min && b <= PAGE_SIZE_RANGE_BYTES.max, {
        error: 'must be a power of two from 4KiB to 2MiB',
      }),
    cpus: z.array(cpu).min(1).describe('CPU nodes; they get node ids 0..C-1 in file order.'),
    devices: z.array(device).default([]).describe('Devices; they get node ids C..C+D-1 in file order.'),
    links: z.array(link).default([]).describe('Links between nodes; they get link ids in file order.'),
};

/** The zod schema of a machine file without a workload (input: YAML shape; output: sizes in bytes, defaults filled). */
export const machineSchema = z.strictObject(MACHINE_SHAPE).describe('A cdmsim machine: CPU nodes, devices and links.');

/** A machine in the YAML shape, as a user writes it. */
export type MachineInput = z.input<typeof machineSchema>;
/** A machine after schema validation: sizes in bytes, defaults filled, names not yet cross-checked. */
export type ParsedMachine = z.output<typeof machineSchema>;
