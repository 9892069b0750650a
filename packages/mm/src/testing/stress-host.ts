/**
 * What the mm-stress operation table acts on: the state every runner keeps
 * (processes and the data they wrote, outstanding pins, counters) and the
 * few steps whose mechanics differ between runners (`MmStressHost`). The
 * in-process stress implements the host synchronously over an `MmWorld`;
 * the stress on node workers implements it with bus migrations,
 * device-private fault retries and cache accesses. Every step reports
 * through a `done` callback: a synchronous host calls it at once.
 */
import type { Rng } from '@cdmsim/engine';
import type { Process } from '../address-space.js';
import { Errno } from '../errno.js';
import type { GupFlags } from '../gup.js';
import type { MemcgId } from '../memcg.js';
import type { MigrateResult } from '../migrate-vma.js';
import type { MmCore } from '../mm-core.js';

/** The operation kinds of the mm stress, as counted in the reports' `operations`. */
export const MM_STRESS_OPS = [
  'spawn',
  'mmap',
  'write',
  'migrate-to-public',
  'migrate-to-private',
  'migrate-to-ram',
  'fork',
  'munmap',
  'exit',
  'mprotect',
  'madvise-dontneed',
  'madvise-free',
  'reclaim',
  'memcg-move',
  'pin-short',
  'pin-longterm',
  'unpin',
  'noop',
] as const;

/** One operation kind of the mm stress (`'noop'`: the drawn operation had nothing to act on). */
export type MmStressOp = (typeof MM_STRESS_OPS)[number];

/** Returns a zeroed counter per operation kind (a fresh object the caller owns). */
export function zeroMmStressOps(): Record<MmStressOp, number> {
  return Object.fromEntries(MM_STRESS_OPS.map((k) => [k, 0])) as Record<MmStressOp, number>;
}

/** One mmap'ed area of a stress process and the first byte expected in each page whose value is known. */
export interface StressArea {
  readonly vpn: number;
  readonly pages: number;
  /** Mirrors the VMA's write permission (mprotect flips both). */
  write: boolean;
  readonly data: Map<number, number>;
}

/** Outstanding GUP references of one `getUserPages` call. */
export interface MmStressPin {
  readonly pfns: readonly number[];
  readonly longterm: boolean;
}

/** GUP counters of a stress run (mutated by the table's pin and unpin operations). */
export interface MmStressPinCounts {
  /** Successful short-term `getUserPages` calls. */
  shortTerm: number;
  /** Successful FOLL_LONGTERM `getUserPages` calls. */
  longTerm: number;
  /** Pages referenced by those calls. */
  pages: number;
  /** Pins released during the run (the rest are released at the end). */
  released: number;
}

/** A live stress process and its areas (the list in `MmStressHost.areas`, shared, not a copy). */
export interface MmStressProcess {
  readonly proc: Process;
  readonly areas: StressArea[];
}

/** A page range [vpn, vpn + pages) of one area of a process. */
export interface MmStressRange extends MmStressProcess {
  readonly area: StressArea;
  readonly vpn: number;
  readonly pages: number;
}

/** A device memory the stress may migrate to. */
export interface MmStressDevice {
  readonly kind: 'public' | 'private';
}

/**
 * What a runner gives the operation table. The state fields are the run's
 * own (the table's operations mutate them); the methods are the steps
 * whose mechanics differ between runners. Every method calls `done`
 * exactly once, after the step performed (at once on a synchronous host).
 * Callers hold the host's processes (its CPU node's worker).
 */
export interface MmStressHost {
  /** The run's random stream: every draw of the table comes from it, in table order. */
  readonly rng: Rng;
  readonly core: MmCore;
  /** Live processes, in creation order, with the areas each mapped. */
  readonly areas: Map<Process, StressArea[]>;
  readonly pins: MmStressPin[];
  readonly pinCounts: MmStressPinCounts;
  /** Expected errno outcomes, keyed `op:ERRNO` (e.g. `memcg-move:ENOMEM`). */
  readonly expectedErrors: Record<string, number>;
  /** Most live processes at once (spawn and fork do nothing at the limit). */
  readonly maxProcesses: number;
  /** Memcgs a process may be spawned in or moved to. */
  readonly memcgs: readonly MemcgId[];
  readonly devices: readonly MmStressDevice[];
  /** Operations drawn so far, the current one included. */
  readonly opsStarted: number;
  /**
   * With a CPU cache: loads the first word of the range's first page through
   * it and checks it against the last byte written there (failing the run on
   * a mismatch); null without a cache.
   */
  readonly load: ((target: MmStressRange, done: () => void) => void) | null;
  /** Names the operation being run (before it acts, so a failure inside it is reported against it). */
  begin(op: MmStressOp): void;
  /** Fails the run: throws a typed error naming the operation, the runner's position and the seed. */
  fail(message: string): never;
  /** Starts a process (on a CPU node of the host's choosing) in `memcg` (undefined: the root memcg). */
  spawn(memcg: MemcgId | undefined): Process;
  /** Stores `byte` as the first byte of page `vpn` of `proc`; `done` gets OK or the errno of the access. */
  store(proc: Process, vpn: number, byte: number, done: (r: Errno) => void): void;
  /** Migrates [startVpn, endVpn) of `proc` to `devices[device]`; `done` gets the result (pages counted by the host). */
  migrateToDevice(proc: Process, startVpn: number, endVpn: number, device: number, done: (r: MigrateResult | Errno) => void): void;
  /** Migrates the device pages of [startVpn, endVpn) of `proc` back to RAM. */
  migrateToRam(proc: Process, startVpn: number, endVpn: number, done: (r: MigrateResult | Errno) => void): void;
  /** `getUserPages` over [vpn, vpn + pages) (a long-term pin moves device pages to RAM first); `done` gets the pfns or the errno. */
  pin(proc: Process, vpn: number, pages: number, flags: GupFlags, done: (r: number[] | Errno) => void): void;
}

/** What `expectErrno` needs of a runner: where expected outcomes are counted and how it fails. */
export type ErrnoExpecter = Pick<MmStressHost, 'expectedErrors' | 'fail'>;

/**
 * Accepts `r` when it is OK or one of `allowed` (counting the latter in
 * `expectedErrors` under `op:ERRNO`); fails the run otherwise.
 */
export function expectErrno(h: ErrnoExpecter, op: string, r: Errno, allowed: readonly Errno[]): void {
  if (r === Errno.OK) return;
  if (!allowed.includes(r)) h.fail(`${op} returned ${Errno[r] ?? r}, expected OK${allowed.length ? ' or ' + allowed.map((e) => Errno[e]).join(' or ') : ''}`);
  const key = `${op}:${Errno[r]}`;
  h.expectedErrors[key] = (h.expectedErrors[key] ?? 0) + 1;
}

/** Returns a uniformly drawn index of `xs` (one `rng.int` draw), or undefined without drawing when `xs` is empty. */
export function pickIndex(rng: Rng, xs: readonly unknown[]): number | undefined {
  return xs.length ? rng.int(0, xs.length - 1) : undefined;
}

/** Returns a uniformly drawn element of `xs` (one `rng.int` draw), or undefined without drawing when `xs` is empty. */
export function pick<T>(rng: Rng, xs: readonly T[]): T | undefined {
  const i = pickIndex(rng, xs);
  return i === undefined ? undefined : xs[i];
}
