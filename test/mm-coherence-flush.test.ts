/**
 * Issue 4, item 4: migration, unmap and page free flush dirty lines and
 * invalidate every cached copy of the page before its frame is reused; the
 * data in the new frame is what the last writer wrote. The memory manager
 * (@cdmsim/mm) calls its PageCoherence hooks; CoherentPages (@cdmsim/platform)
 * runs the MOESI protocol (@cdmsim/coherence) for them.
 */
import { describe, expect, it } from 'vitest';
import { nodeId, type NodeId } from '@cdmsim/engine';
import { CoherentSystem, homeByPfn, smallTopology, type LineAddr } from '@cdmsim/coherence';
import { forkProcess, migrateToRam, mmap, munmap, writeBytes, type Process } from '@cdmsim/mm';
import { MmWorld } from '@cdmsim/mm/testing';
import { CoherentPages } from '@cdmsim/platform';

const PAGE = 4096;
const CPU = nodeId(0);
const GPU = nodeId(1);

/** One CPU with 64 RAM pages and one CDM GPU with 64 pages, with caches; `hooks: false` leaves the memory manager without them. */
function machine(hooks = true): { w: MmWorld; sys: CoherentSystem; pages: CoherentPages; proc: Process } {
  const w = new MmWorld({ cpus: [64], devices: [{ kind: 'public', pages: 64 }], pageSize: PAGE });
  const topology = smallTopology({ cpus: 1, gpus: 1, pageSizeBytes: PAGE, lineBytes: 64, cacheSets: 4, cacheWays: 2 });
  const ranges = w.core.frames.map.memories.map((m) => ({ node: nodeId(m.memNode), firstPfn: m.firstPfn, pages: m.frameCount }));
  const sys = new CoherentSystem({ topology, seed: 1, homeOf: homeByPfn(topology, ranges) });
  const pages = new CoherentPages(sys, w.core.content);
  if (hooks) w.core.coherence = pages;
  return { w, sys, pages, proc: w.spawn(0) };
}

function store(sys: CoherentSystem, agent: NodeId, line: LineAddr, value: number): void {
  let done = false;
  expect(sys.store(agent, line, value, () => (done = true))).toBeUndefined();
  sys.run();
  expect(done).toBe(true);
}

function load(sys: CoherentSystem, agent: NodeId, line: LineAddr): number {
  let value: number | undefined;
  expect(sys.load(agent, line, (v) => (value = v))).toBeUndefined();
  sys.run();
  return value!;
}

/** Maps one anonymous page, faults it in, and returns its vpn and pfn. */
function onePage(w: MmWorld, proc: Process): { vpn: number; pfn: number } {
  const vpn = mmap(w.core, proc, { pages: 1, kind: 'anon' });
  expect(writeBytes(w.core, proc, w.va(vpn), new Uint8Array([1]))).toBe(0);
  return { vpn, pfn: pfnOf(w, proc, vpn) };
}

function pfnOf(w: MmWorld, proc: Process, vpn: number): number {
  return w.core.pageTables.readPfn(w.core.pageTables.lookup(proc.root, vpn));
}

/** The protocol's 32-bit value of the line at `offset` as the frame's contents hold it. */
function contentWord(w: MmWorld, pfn: number, offset: number): number {
  const b = new Uint8Array(4);
  w.core.content.read(pfn, offset, b);
  return new DataView(b.buffer).getInt32(0, true);
}

describe('page coherence around migration and frame reuse', () => {
  it('migration flushes the page first: the device frame holds the value a CPU cache held dirty, and no cache keeps the old line', () => {
    const { w, sys, proc } = machine();
    const { vpn, pfn } = onePage(w, proc);
    const line = pfn * PAGE + 128;
    store(sys, CPU, line, 0x1234);
    expect(sys.cache(CPU).stateOf(line)).toBe('M');
    expect(contentWord(w, pfn, 128)).toBe(0); // still only in the CPU's cache
    const r = w.device('public').driver.migrateToDevice(proc.pid, vpn, 1);
    expect(r).toEqual({ migrated: 1, skipped: 0 });
    const moved = pfnOf(w, proc, vpn);
    expect(w.core.frames.memNode(moved)).toBe(1);
    expect(contentWord(w, moved, 128)).toBe(0x1234);
    expect(sys.cache(CPU).stateOf(line)).toBe('I');
  });

  it('without the hooks the same migration copies stale memory (what the flush rule prevents)', () => {
    const { w, sys, proc } = machine(false);
    const { vpn, pfn } = onePage(w, proc);
    store(sys, CPU, pfn * PAGE + 128, 0x1234);
    w.device('public').driver.migrateToDevice(proc.pid, vpn, 1);
    expect(contentWord(w, pfnOf(w, proc, vpn), 128)).toBe(0);
  });

  it('migration back to RAM (eviction) carries the value a GPU cache held dirty in device-public memory', () => {
    const { w, sys, proc } = machine();
    const { vpn } = onePage(w, proc);
    w.device('public').driver.migrateToDevice(proc.pid, vpn, 1);
    const devPfn = pfnOf(w, proc, vpn);
    const line = devPfn * PAGE + 64;
    store(sys, GPU, line, 77);
    load(sys, CPU, line); // the CPU shares it: the GPU keeps it as owner (O)
    expect(migrateToRam(w.core, proc, vpn, vpn + 1)).toEqual({ migrated: 1, skipped: 0 });
    const ramPfn = pfnOf(w, proc, vpn);
    expect(w.core.frames.memNode(ramPfn)).toBe(0);
    expect(contentWord(w, ramPfn, 64)).toBe(77);
    expect([sys.cache(CPU).stateOf(line), sys.cache(GPU).stateOf(line)]).toEqual(['I', 'I']);
  });

  it('a COW copy flushes the source first: the private copy of the child holds the value the CPU cache of the parent held dirty', () => {
    const { w, sys, proc } = machine();
    const { vpn, pfn } = onePage(w, proc);
    store(sys, CPU, pfn * PAGE + 256, 4242);
    const child = forkProcess(w.core, proc);
    expect(writeBytes(w.core, child, w.va(vpn) + 1, new Uint8Array([9]))).toBe(0); // wp_page_copy
    const copy = pfnOf(w, child, vpn);
    expect(copy).not.toBe(pfn);
    expect(contentWord(w, copy, 256)).toBe(4242);
    expect(sys.cache(CPU).stateOf(pfn * PAGE + 256)).toBe('I');
  });

  it('without the hooks the same COW copy misses the dirty line (what the flush rule prevents)', () => {
    const { w, sys, proc } = machine(false);
    const { vpn, pfn } = onePage(w, proc);
    store(sys, CPU, pfn * PAGE + 256, 4242);
    const child = forkProcess(w.core, proc);
    expect(writeBytes(w.core, child, w.va(vpn) + 1, new Uint8Array([9]))).toBe(0);
    expect(contentWord(w, pfnOf(w, child, vpn), 256)).toBe(0);
  });

  it('a freed frame keeps no cached copy: after munmap every cache drops its lines and the reused frame reads zeroes through the protocol', () => {
    const { w, sys, pages, proc } = machine();
    const { vpn, pfn } = onePage(w, proc);
    const line = pfn * PAGE;
    store(sys, CPU, line, 5);
    load(sys, GPU, line);
    expect(munmap(w.core, proc, vpn, 1)).toBe(0);
    expect(pages.stats.invalidations).toBe(1);
    expect([sys.cache(CPU).stateOf(line), sys.cache(GPU).stateOf(line)]).toEqual(['I', 'I']);
    const again = onePage(w, proc); // the allocator hands the frame out again
    expect(again.pfn).toBe(pfn);
    expect(load(sys, GPU, line)).toBe(0);
  });
});
