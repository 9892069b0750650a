/**
 * Test fixture helpers: a small world (2 CPUs, one public and one private
 * device, a little pmem) and shorthands that assert success. Used by the
 * unit tests so no test copies setup code.
 */
import { CdmsimError } from '@cdmsim/engine';
import type { Process } from '../address-space.js';
import { mmap, type MmapArgs } from '../address-space.js';
import { readBytes, writeBytes } from '../access.js';
import type { DmirrorDriver } from '../dmirror-driver.js';
import { Errno, isErrPtr, ptrErr } from '../errno.js';
import type { Memcg } from '../memcg.js';
import type { MigrateResult } from '../migrate-vma.js';
import { MmWorld, type MmWorldSpec } from './mm-world.js';

/** Default small machine: CPUs with 64 pages each, a 32-page public and a 32-page private device, 8 pmem pages. */
export const SMALL_WORLD: MmWorldSpec = {
  cpus: [64, 64],
  devices: [
    { kind: 'public', pages: 32 },
    { kind: 'private', pages: 32 },
  ],
  hostPages: 8,
  pageSize: 256,
};

/** Builds a world (default SMALL_WORLD, fields overridable). */
export function makeWorld(spec: Partial<MmWorldSpec> = {}): MmWorld {
  return new MmWorld({ ...SMALL_WORLD, ...spec });
}

/** mmap that throws on error; returns the start vpn. */
export function mustMmap(w: MmWorld, p: Process, args: MmapArgs): number {
  const r = mmap(w.core, p, args);
  if (isErrPtr(r)) throw new CdmsimError(`mmap failed: ${Errno[ptrErr(r)]}`);
  return r;
}

/** Writes `byte` repeated over the first 8 bytes of each page of [vpn, vpn+pages); throws on error. */
export function fillPages(w: MmWorld, p: Process, vpn: number, pages: number, byte: number): void {
  for (let i = 0; i < pages; i++) {
    const r = writeBytes(w.core, p, w.va(vpn + i), new Uint8Array(8).fill((byte + i) & 0xff));
    if (r !== Errno.OK) throw new CdmsimError(`write failed at vpn ${vpn + i}: ${Errno[r]}`);
  }
}

/** Reads the first byte of page `vpn`; throws on error. */
export function firstByte(w: MmWorld, p: Process, vpn: number): number {
  const r = readBytes(w.core, p, w.va(vpn), 1);
  if (!(r instanceof Uint8Array)) throw new CdmsimError(`read failed at vpn ${vpn}: ${Errno[r]}`);
  return r[0]!;
}

/** Options of `deviceWorld`. */
export interface DeviceWorldOptions {
  /** Anonymous pages mapped, written and migrated. */
  readonly pages: number;
  /** Byte written to the first page (page i gets `fill + i`, see `fillPages`). */
  readonly fill: number;
  /** If given, creates memcg `job` with this page limit (Infinity: none) and spawns the process in it; otherwise no memcg is created and the process is in the root memcg. */
  readonly memcgLimit?: number;
}

/** What `deviceWorld` built. */
export interface DeviceWorld {
  readonly w: MmWorld;
  readonly p: Process;
  /** First vpn of the mapping. */
  readonly vpn: number;
  /** The first `kind` device's driver. */
  readonly dev: DmirrorDriver;
  /** The process's memcg: `job`, or the root memcg without `memcgLimit`. */
  readonly cg: Memcg;
  /** What `migrateToDevice` returned (not checked here). */
  readonly r: MigrateResult | Errno;
}

/**
 * Returns a fresh world (`makeWorld()`) with one process on CPU 0 that
 * mapped `pages` anonymous pages, wrote them (`fillPages` with `fill`) and
 * asked the first `kind` device's driver to migrate them there.
 */
export function deviceWorld(kind: 'public' | 'private', opts: DeviceWorldOptions): DeviceWorld {
  const w = makeWorld();
  const cg = opts.memcgLimit === undefined ? w.core.memcgs.root : w.core.memcgs.create('job', opts.memcgLimit);
  const p = w.spawn(0, cg.id);
  const vpn = mustMmap(w, p, { pages: opts.pages, kind: 'anon' });
  fillPages(w, p, vpn, opts.pages, opts.fill);
  const dev = w.device(kind).driver;
  const r = dev.migrateToDevice(p.pid, vpn, opts.pages);
  return { w, p, vpn, dev, cg, r };
}

/** Reads the PTE of `vpn`: { kind, pfn, bits } (kind NONE if no table). */
export function pteOf(w: MmWorld, p: Process, vpn: number): { kind: number; pfn: number; bits: number } {
  const pt = w.core.pageTables;
  const h = pt.lookup(p.root, vpn);
  if (h < 0) return { kind: 0, pfn: 0, bits: 0 };
  const bits = pt.readBits(h);
  return { kind: bits & 7, pfn: pt.readPfn(h), bits };
}
