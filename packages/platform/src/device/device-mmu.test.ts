/**
 * The device MMU and the CPU node's notifier, one side at a time with a
 * capturing kernel: mirror invalidation over the bus
 * (dmirror_interval_invalidate, the mmu_interval_read_retry of a range
 * fault an invalidation overtook; mmu_notifier_invalidate_range_start
 * waits for every subscribed device's acknowledgement) and device faults
 * serviced in batches from the driver's fault buffer.
 */
import { describe, expect, it } from 'vitest';
import { defaultTopology } from '@cdmsim/config';
import { nodeId, pid as toPid, type NodeId } from '@cdmsim/engine';
import { Errno, MmuNotifyEvent } from '@cdmsim/mm';
import { cdmsim, type EnvelopeData } from '@cdmsim/proto';
import { PageTables } from '@cdmsim/shm';
import { capturingKernel } from '@cdmsim/kernel/testing';
import { memoryMap, MemoryRanges } from '../memory/memory-map.js';
import { MirrorNotifier } from '../host/mirror-notifier.js';
import { DeviceMigrations } from './device-migrations.js';
import { DeviceMmu, MAX_RANGE_FAULT_RETRIES, type AccessResult } from './device-mmu.js';
import { DeviceFaultBuffer, type DeviceFaultPolicy } from './device-fault-buffer.js';
import { planFaultBatch } from './fault-batch.js';
import { dmirrorSnapshotByte, DmirrorProt } from './snapshot-entry.js';
import { HmmPfn } from '@cdmsim/mm';
import { MirrorTable } from './mirror-table.js';

const topology = defaultTopology();
const pageSize = topology.pageSizeBytes;
const cpu0 = nodeId(0);
const gpu0 = topology.devices[0]!.id;
const gpu1 = topology.devices[1]!.id;
const PID = toPid(7);
/** ZERO_PAGE(0): the first frame of the first RAM memory. */
const ZERO_PFN = memoryMap(topology)[0]!.firstPfn;
/** A RAM frame of cpu0 for the mirror to map. */
const RAM_PFN = ZERO_PFN + 10;

/** gpu0's MMU, with cpu0 played by the test; `faultBatchSize` overrides the device's; `policy` is what a device fault does. */
function device(faultBatchSize?: number, policy: DeviceFaultPolicy = 'map') {
  const machine = structuredClone(topology);
  if (faultBatchSize !== undefined) machine.devices[0]!.faultBatchSize = faultBatchSize;
  const { k, sent } = capturingKernel(machine, gpu0);
  const mmu = new DeviceMmu(k, new MirrorTable(new PageTables()), new MemoryRanges(memoryMap(topology)), ZERO_PFN);
  const faults = new DeviceFaultBuffer(k, mmu, new DeviceMigrations(k), policy);
  let seq = 0;
  const run = (): void => void k.runUntil(k.nowPs + 1e9);
  const deliver = (body: Partial<EnvelopeData>): void => {
    k.deliver(cdmsim.Envelope.create({ src: cpu0, dst: gpu0, hopSrc: cpu0, seq: ++seq, arriveTimePs: k.nowPs + 1, ...body }));
    run();
  };
  const taken = () => sent.splice(0).map((s) => s.env);
  /** Answers range fault `env` with `pages` valid writable pages of RAM_PFN.. */
  const answer = (env: EnvelopeData, pages: number): void =>
    deliver({ txn: env.txn, rangeFaultReply: { pid: PID, vaddr: env.rangeFault!.vaddr, pfns: Array.from({ length: pages }, (_, i) => RAM_PFN + i), flags: Array(pages).fill(cdmsim.HmmPfnFlag.HMM_PFN_VALID | cdmsim.HmmPfnFlag.HMM_PFN_WRITE), error: 0 } });
  const invalidate = (startVpn: number, endVpn: number, event = cdmsim.InvalidateEvent.INV_UNMAP, owner: NodeId = cpu0): void =>
    deliver({ txn: 900 + seq, rangeInvalidate: { pid: PID, start: startVpn * pageSize, end: endVpn * pageSize, event, owner } });
  /** Answers range fault `env` with `reply` as it is. */
  const deliverReply = (env: EnvelopeData, reply: { pfns: number[]; flags: number[]; error: number }): void =>
    deliver({ txn: env.txn, rangeFaultReply: { pid: PID, vaddr: env.rangeFault!.vaddr, ...reply } });
  /** cpu0 answers migrate-on-fault request `env`. */
  const migrated = (env: EnvelopeData, pages: number): void =>
    deliver({ txn: env.txn, migrateToDeviceDone: { pid: PID, vaddr: env.migrateToDevice!.vaddr, migrated: pages, skipped: 0, error: 0 } });
  return { k, mmu, faults, run, taken, answer, invalidate, deliverReply, migrated, deliver };
}

describe('device mirror invalidation (DeviceMmu)', () => {
  it('dmirror_interval_invalidate: clears the invalidated range from the mirror and acknowledges at once', () => {
    const { mmu, run, taken, answer, invalidate } = device();
    let result: Errno | undefined;
    mmu.mirrorRange(cpu0, PID, 100, 104, true, (r) => (result = r));
    run();
    answer(taken()[0]!, 4);
    expect(result).toBe(Errno.OK);
    expect(mmu.mirror.entries).toBe(4);
    invalidate(101, 103);
    expect(mmu.mirror.lookup(PID, 100)).toBeDefined();
    expect(mmu.mirror.lookup(PID, 101)).toBeUndefined();
    expect(mmu.mirror.lookup(PID, 102)).toBeUndefined();
    expect(mmu.mirror.entries).toBe(2);
    const [ack] = taken();
    expect(ack!.rangeInvalidateAck).toMatchObject({ pid: PID, notifierSeq: 1 });
    expect(ack!.txn).toBeGreaterThan(0);
    expect(mmu.stats).toMatchObject({ invalidations: 1, invalidatedPages: 2 });
    // After the invalidation the device faults again instead of reaching the old frame.
    expect(mmu.access(PID, 101 * pageSize, 8, undefined, () => undefined)).toBe(Errno.EFAULT);
  });

  it('dmirror_interval_invalidate: keeps the mirror for a migration this device owns, clears it for one another device owns', () => {
    const { mmu, run, taken, answer, invalidate } = device();
    mmu.mirrorRange(cpu0, PID, 0, 2, false, () => undefined);
    run();
    answer(taken()[0]!, 2);
    invalidate(0, 2, cdmsim.InvalidateEvent.INV_MIGRATE, gpu0);
    expect(mmu.mirror.entries).toBe(2);
    invalidate(0, 2, cdmsim.InvalidateEvent.INV_MIGRATE, gpu1);
    expect(mmu.mirror.entries).toBe(0);
    expect(mmu.stats).toMatchObject({ invalidations: 2, ownMigrationsSkipped: 1, invalidatedPages: 2 });
    expect(taken().map((e) => e.rangeInvalidateAck?.notifierSeq)).toEqual([1, 2]);
  });

  it('an invalidation is acknowledged only once the accesses already sent to its range have landed (the shootdown waits for them)', () => {
    const { mmu, run, taken, answer, invalidate, deliver } = device();
    mmu.mirrorRange(cpu0, PID, 100, 104, true, () => undefined);
    run();
    answer(taken()[0]!, 4);
    let landed = false;
    expect(mmu.access(PID, 101 * pageSize, 8, new Uint8Array(8).fill(1), () => (landed = true))).toBe(Errno.OK);
    const [memReq] = taken();
    expect(memReq!.memReq).toBeDefined();
    invalidate(100, 104);
    expect(mmu.mirror.entries).toBe(0); // nothing new goes through the old entries
    expect(taken()).toEqual([]); // but the write in flight holds the acknowledgement back
    expect(mmu.stats.fencedInvalidations).toBe(1);
    deliver({ txn: memReq!.txn, memResp: { status: 0 } });
    expect(landed).toBe(true);
    expect(taken().map((e) => e.rangeInvalidateAck?.notifierSeq)).toEqual([1]);
    // An invalidation of a range with nothing in flight is acknowledged at once.
    invalidate(0, 8);
    expect(taken().map((e) => e.rangeInvalidateAck?.notifierSeq)).toEqual([2]);
  });

  it('make_device_exclusive: the device maps the pages with the atomic tag; its own EXCLUSIVE invalidation keeps them, the CPU\'s takes them back', () => {
    const { mmu, run, taken, invalidate, deliver } = device();
    let result: Errno | undefined;
    mmu.makeExclusive(cpu0, PID, 10, 12, (r) => (result = r));
    run();
    const [req] = taken();
    expect(req!.rangeFault).toMatchObject({ vaddr: 10 * pageSize, npages: 2, write: true, exclusive: true });
    // The host's EXCLUSIVE invalidation, owned by this device, arrives before the reply: no clear, no retry.
    invalidate(10, 12, cdmsim.InvalidateEvent.INV_EXCLUSIVE, gpu0);
    expect(taken().map((e) => e.rangeInvalidateAck?.notifierSeq)).toEqual([0]);
    deliver({ txn: req!.txn, rangeFaultReply: { pid: PID, vaddr: 10 * pageSize, pfns: [RAM_PFN, RAM_PFN + 1], flags: [3, 3], error: 0 } });
    expect(result).toBe(Errno.OK);
    expect(mmu.mirror.lookup(PID, 10)).toEqual({ pfn: RAM_PFN, write: true, atomic: true });
    expect(mmu.checkExclusive(PID, 10, 12)).toBe(Errno.EPERM);
    // The CPU touches page 11: remove_device_exclusive_entry invalidates it (owner: the CPU node).
    invalidate(11, 12, cdmsim.InvalidateEvent.INV_EXCLUSIVE, cpu0);
    expect(mmu.checkExclusive(PID, 11, 12)).toBe(Errno.OK);
    expect(mmu.checkExclusive(PID, 10, 12)).toBe(Errno.EPERM);
  });

  it('mmu_interval_read_retry: a range fault overtaken by an invalidation is sent again and its stale reply fills nothing', () => {
    const { mmu, run, taken, answer, invalidate } = device();
    let result: Errno | undefined;
    mmu.mirrorRange(cpu0, PID, 0, 4, true, (r) => (result = r));
    run();
    const first = taken()[0]!;
    invalidate(0, 4); // arrives while the range fault is out
    taken(); // its ack
    answer(first, 4);
    expect(result).toBeUndefined();
    expect(mmu.mirror.entries).toBe(0);
    run();
    const again = taken();
    expect(again.map((e) => e.rangeFault?.vaddr)).toEqual([0]);
    answer(again[0]!, 4);
    expect(result).toBe(Errno.OK);
    expect(mmu.mirror.entries).toBe(4);
    expect(mmu.stats).toMatchObject({ rangeFaults: 2, rangeFaultRetries: 1 });
  });

  it(`hmm_range_fault gives up with EBUSY after ${MAX_RANGE_FAULT_RETRIES} retries (HMM_RANGE_DEFAULT_TIMEOUT)`, () => {
    const { mmu, run, taken, answer, invalidate } = device();
    let result: Errno | undefined;
    mmu.mirrorRange(cpu0, PID, 0, 1, false, (r) => (result = r));
    for (let i = 0; i <= MAX_RANGE_FAULT_RETRIES; i++) {
      run();
      const fault = taken().find((e) => e.rangeFault)!;
      invalidate(0, 1);
      answer(fault, 1);
    }
    expect(result).toBe(Errno.EBUSY);
    expect(mmu.mirror.entries).toBe(0);
  });
});

describe('device faults serviced in batches (planFaultBatch, DeviceFaultBuffer.accessOrFault)', () => {
  const P = toPid(3);
  const Q = toPid(9);

  it('a batch is sorted by process and page, a page faulted twice is serviced once (a write wins), and contiguous pages with the same access are one range fault', () => {
    const plan = planFaultBatch(
      [
        { pid: Q, vpn: 4, write: false },
        { pid: P, vpn: 6, write: true },
        { pid: P, vpn: 5, write: false },
        { pid: P, vpn: 5, write: true },
        { pid: P, vpn: 7, write: true },
        { pid: P, vpn: 9, write: false },
        { pid: P, vpn: 10, write: true },
        { pid: Q, vpn: 5, write: false },
      ],
      512,
    );
    expect(plan.runs).toEqual([
      { pid: P, firstVpn: 5, npages: 3, write: true },
      { pid: P, firstVpn: 9, npages: 1, write: false },
      { pid: P, firstVpn: 10, npages: 1, write: true },
      { pid: Q, firstVpn: 4, npages: 2, write: false },
    ]);
    expect([plan.uniquePages, plan.duplicates]).toEqual([7, 1]);
    expect(planFaultBatch([0, 1, 2, 3, 4].map((vpn) => ({ pid: P, vpn, write: false })), 2).runs.map((r) => r.npages)).toEqual([2, 2, 1]);
  });

  it('accesses that miss the mirror wait in the fault buffer; the batch costs faultLatency + perFaultLatency per fault, then the accesses are replayed in fault order', () => {
    const { k, mmu, faults, run, taken, answer } = device();
    const spec = topology.devices[0]!;
    const answered: string[] = [];
    const access = (vpn: number, write: boolean): void =>
      faults.accessOrFault(cpu0, PID, vpn * pageSize + 8, 8, write ? new Uint8Array(8) : undefined, (r: AccessResult) => answered.push(`${vpn}:${r.ok}`));
    access(20, false);
    access(21, true);
    access(20, true);
    access(40, false);
    run();
    // Sent at the same instant, in the kernel's seeded tie order: compare them by address.
    const sentFaults = taken()
      .filter((e) => e.rangeFault)
      .sort((a, b) => a.rangeFault!.vaddr! - b.rangeFault!.vaddr!);
    expect(sentFaults.map((e) => [e.rangeFault!.vaddr! / pageSize, e.rangeFault!.npages, e.rangeFault!.write])).toEqual([
      [20, 2, true],
      [40, 1, false],
    ]);
    expect(k.nowPs).toBeGreaterThanOrEqual(spec.faultLatencyPs + 4 * spec.perFaultLatencyPs);
    expect(mmu.stats).toMatchObject({ deviceFaults: 4, faultBatches: 1, faultedPages: 3, duplicateFaults: 1, rangeFaults: 2 });
    answer(sentFaults[0]!, 2);
    expect(taken().filter((e) => e.memReq)).toEqual([]); // the batch is replayed only once all its range faults are answered
    answer(sentFaults[1]!, 1);
    const replayed = taken().filter((e) => e.memReq);
    expect(replayed.map((e) => e.memReq!.paddr)).toEqual([RAM_PFN, RAM_PFN + 1, RAM_PFN, RAM_PFN].map((pfn) => pfn * pageSize + 8));
    expect(replayed.map((e) => e.memReq!.op)).toEqual([cdmsim.MemOp.MEM_READ, cdmsim.MemOp.MEM_WRITE, cdmsim.MemOp.MEM_WRITE, cdmsim.MemOp.MEM_READ]);
    expect(answered).toEqual([]);
  });

  it('a batch takes at most faultBatchSize faults; faults on a page an earlier batch brought in are replayed without a range fault (stale)', () => {
    const { mmu, faults, run, taken, answer } = device(2);
    for (const vpn of [1, 2, 1, 3]) faults.accessOrFault(cpu0, PID, vpn * pageSize, 8, undefined, () => undefined);
    run();
    const first = taken().filter((e) => e.rangeFault);
    expect(first.map((e) => [e.rangeFault!.vaddr! / pageSize, e.rangeFault!.npages])).toEqual([[1, 2]]);
    answer(first[0]!, 2);
    run();
    const second = taken();
    // The second batch: vpn 1 is stale (replayed at once), vpn 3 is faulted.
    expect(second.filter((e) => e.rangeFault).map((e) => e.rangeFault!.vaddr! / pageSize)).toEqual([3]);
    expect(mmu.stats).toMatchObject({ faultBatches: 2, staleFaults: 1, deviceFaults: 4 });
  });

  it('accesses of one batch are replayed in fault order one picosecond apart, so a write and a later read of one line reach their home in issue order', () => {
    const { mmu, faults, run, taken, answer } = device();
    faults.accessOrFault(cpu0, PID, 60 * pageSize, 8, new Uint8Array(8).fill(7), () => undefined);
    faults.accessOrFault(cpu0, PID, 60 * pageSize, 8, undefined, () => undefined);
    run();
    answer(taken().find((e) => e.rangeFault)!, 1);
    const sent = taken().filter((e) => e.memReq);
    expect(sent.map((e) => e.memReq!.op)).toEqual([cdmsim.MemOp.MEM_WRITE, cdmsim.MemOp.MEM_READ]);
    expect(sent[1]!.sendTimePs! - sent[0]!.sendTimePs!).toBe(1);
  });

  it('migrate on fault: a batch\'s run is first migrated to this device (MigrateToDevice to the process\'s node); its range fault follows the answer', () => {
    const { mmu, faults, run, taken, answer, migrated } = device(undefined, 'migrate');
    faults.accessOrFault(cpu0, PID, 80 * pageSize, 8, undefined, () => undefined);
    faults.accessOrFault(cpu0, PID, 81 * pageSize, 8, undefined, () => undefined);
    run();
    const first = taken();
    expect(first.filter((e) => e.rangeFault)).toEqual([]);
    const [request] = first.filter((e) => e.migrateToDevice);
    expect(request!.migrateToDevice).toMatchObject({ pid: PID, vaddr: 80 * pageSize, npages: 2 });
    migrated(request!, 2);
    const [fault] = taken().filter((e) => e.rangeFault);
    expect(fault!.rangeFault).toMatchObject({ vaddr: 80 * pageSize, npages: 2 });
    expect(fault!.rangeFault!.snapshot ?? false).toBe(false);
    answer(fault!, 2);
    expect(mmu.stats).toMatchObject({ migrateRequests: 1, migratedPages: 2, faultedPages: 2 });
    expect(taken().filter((e) => e.memReq)).toHaveLength(2);
  });

  it('an access whose range fault failed ends with ok: false instead of faulting forever', () => {
    const { mmu, faults, run, taken, deliverReply } = device();
    const results: boolean[] = [];
    faults.accessOrFault(cpu0, PID, 70 * pageSize, 8, undefined, (r) => results.push(r.ok));
    run();
    const [fault] = taken().filter((e) => e.rangeFault);
    deliverReply(fault!, { pfns: [], flags: [], error: Errno.EFAULT * -1 });
    expect(results).toEqual([false]);
  });
});

describe('the test device\'s snapshot (dmirror_snapshot, dmirror_mkentry)', () => {
  it('encodes each entry as hmm2 snapshot expects: holes ERROR, the zero page ZERO|READ, READ, WRITE, device pages LOCAL or REMOTE, another device\'s private page NONE', () => {
    const machine = structuredClone(topology);
    machine.devices[1]!.memory.kind = 'private';
    machine.devices[2]!.memory.kind = 'private';
    const memory = new MemoryRanges(memoryMap(machine));
    const first = (node: NodeId) => memory.ranges.find((r) => r.home === node)!.firstPfn;
    const [gpuA, gpuB, gpuC] = [machine.devices[0]!.id, machine.devices[1]!.id, machine.devices[2]!.id];
    const asB = { memory, self: gpuB, zeroPfn: ZERO_PFN };
    const V = HmmPfn.VALID;
    const W = HmmPfn.WRITE;
    expect(dmirrorSnapshotByte(HmmPfn.ERROR, 0, asB)).toBe(DmirrorProt.ERROR);
    expect(dmirrorSnapshotByte(0, 0, asB)).toBe(DmirrorProt.NONE);
    expect(dmirrorSnapshotByte(V, ZERO_PFN, asB)).toBe(DmirrorProt.ZERO | DmirrorProt.READ);
    expect(dmirrorSnapshotByte(V, RAM_PFN, asB)).toBe(DmirrorProt.READ);
    expect(dmirrorSnapshotByte(V | W, RAM_PFN, asB)).toBe(DmirrorProt.WRITE);
    expect(dmirrorSnapshotByte(V | W | HmmPfn.DEVICE_PRIVATE, first(gpuB) + 3, asB)).toBe(DmirrorProt.DEV_PRIVATE_LOCAL | DmirrorProt.WRITE);
    expect(dmirrorSnapshotByte(V | W, first(gpuC), asB)).toBe(DmirrorProt.DEV_PRIVATE_REMOTE | DmirrorProt.WRITE);
    expect(dmirrorSnapshotByte(V | W, first(gpuA), { ...asB, self: gpuA })).toBe(DmirrorProt.DEV_COHERENT_LOCAL | DmirrorProt.WRITE);
    expect(dmirrorSnapshotByte(V | W, first(gpuA), asB)).toBe(DmirrorProt.DEV_COHERENT_REMOTE | DmirrorProt.WRITE);
  });

  it('asks for a snapshot-only range fault, returns one byte per page and leaves the mirror as it is', () => {
    const { mmu, run, taken, deliverReply } = device();
    let result: Uint8Array | Errno | undefined;
    mmu.snapshot(cpu0, PID, 30, 3, (r) => (result = r));
    run();
    const [fault] = taken().filter((e) => e.rangeFault);
    expect(fault!.rangeFault).toMatchObject({ vaddr: 30 * pageSize, npages: 3, write: false, snapshot: true });
    deliverReply(fault!, { pfns: [0, ZERO_PFN, RAM_PFN], flags: [HmmPfn.ERROR, HmmPfn.VALID, HmmPfn.VALID | HmmPfn.WRITE], error: 0 });
    expect(result).toEqual(new Uint8Array([DmirrorProt.ERROR, DmirrorProt.ZERO | DmirrorProt.READ, DmirrorProt.WRITE]));
    expect(mmu.mirror.entries).toBe(0);
  });
});

describe('CPU-side mirror notifier (MirrorNotifier)', () => {
  function cpu() {
    const { k, sent } = capturingKernel(topology, cpu0);
    const notifier = new MirrorNotifier(k);
    let seq = 0;
    const ack = (env: EnvelopeData, from: NodeId, atPs: number): void => {
      k.deliver(cdmsim.Envelope.create({ src: from, dst: cpu0, hopSrc: from, seq: ++seq, arriveTimePs: atPs, txn: env.txn, rangeInvalidateAck: { pid: PID, notifierSeq: 1 } }));
      k.runUntil(atPs + 1);
    };
    return { k, notifier, sent, ack };
  }

  it('mmu_notifier_invalidate_range_start returns at once when no device mirrors the process', () => {
    const { notifier, sent } = cpu();
    let done = 0;
    notifier.invalidate({ pid: PID, startVpn: 0, endVpn: 8, event: MmuNotifyEvent.UNMAP, owner: cpu0 }, () => done++);
    expect(done).toBe(1);
    expect(sent).toEqual([]);
    expect(notifier.stats.invalidations).toBe(0);
  });

  it('mmu_notifier_invalidate_range_start: one RangeInvalidate per subscribed device; the change runs only after every acknowledgement', () => {
    const { notifier, sent, ack } = cpu();
    notifier.subscribe(PID, gpu0);
    notifier.subscribe(PID, gpu1);
    notifier.subscribe(PID, gpu0);
    expect(notifier.subscribers(PID)).toEqual([gpu0, gpu1]);
    let done = 0;
    notifier.invalidate({ pid: PID, startVpn: 3, endVpn: 5, event: MmuNotifyEvent.MIGRATE, owner: gpu1 }, () => done++);
    const messages = sent.splice(0).map((s) => s.env);
    expect(messages.map((e) => e.dst)).toEqual([gpu0, gpu1]);
    expect(messages[0]!.rangeInvalidate).toMatchObject({ pid: PID, start: 3 * pageSize, end: 5 * pageSize, event: cdmsim.InvalidateEvent.INV_MIGRATE, owner: gpu1 });
    ack(messages[1]!, gpu1, 1_000);
    expect(done).toBe(0);
    ack(messages[0]!, gpu0, 5_000);
    expect(done).toBe(1);
    expect(notifier.stats).toEqual({ invalidations: 1, messages: 2, waitPs: 5_000, maxWaitPs: 5_000 });
    notifier.forget(PID);
    expect(notifier.subscribers(PID)).toEqual([]);
  });

  it('mmu_interval_read_begin: a walk of a range whose invalidation is under way waits until the change ran; a disjoint range goes at once', () => {
    const { notifier, sent, ack } = cpu();
    notifier.subscribe(PID, gpu0);
    const order: string[] = [];
    notifier.invalidate({ pid: PID, startVpn: 3, endVpn: 5, event: MmuNotifyEvent.UNMAP, owner: cpu0 }, () => order.push('change'));
    expect(notifier.invalidating(PID, 4, 6)).toBe(true);
    expect(notifier.invalidating(PID, 5, 9)).toBe(false);
    notifier.afterInvalidations(PID, 4, 6, () => order.push('overlapping walk'));
    notifier.afterInvalidations(PID, 5, 9, () => order.push('disjoint walk'));
    expect(order).toEqual(['disjoint walk']);
    ack(sent.splice(0)[0]!.env, gpu0, 2_000);
    expect(order).toEqual(['disjoint walk', 'change', 'overlapping walk']);
    expect(notifier.invalidating(PID, 0, 10)).toBe(false);
  });

  it('invalidateAll: one window for ranges of several processes (a migration\'s sharers); the change runs once every device of every process acknowledged', () => {
    const { notifier, sent, ack } = cpu();
    const other = toPid(8);
    notifier.subscribe(PID, gpu0);
    notifier.subscribe(other, gpu1);
    let done = 0;
    notifier.invalidateAll(
      [
        { pid: PID, startVpn: 0, endVpn: 4, event: MmuNotifyEvent.MIGRATE, owner: cpu0 },
        { pid: other, startVpn: 9, endVpn: 10, event: MmuNotifyEvent.MIGRATE, owner: cpu0 },
      ],
      () => done++,
    );
    const messages = sent.splice(0).map((s) => s.env);
    expect(messages.map((e) => [e.dst, e.rangeInvalidate!.pid])).toEqual([[gpu0, PID], [gpu1, other]]);
    ack(messages[0]!, gpu0, 1_000);
    expect(done).toBe(0);
    ack(messages[1]!, gpu1, 2_000);
    expect(done).toBe(1);
    expect(notifier.stats).toMatchObject({ invalidations: 2, messages: 2 });
  });
});
