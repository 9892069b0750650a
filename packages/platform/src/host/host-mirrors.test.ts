/**
 * A CPU node's Host with device mirrors, the devices played by the test
 * (capturing kernel): every mapping change of a mirrored process waits for
 * the mirrors' acknowledgements before mm makes it, and a change mm
 * announces outside such a window fails the run.
 */
import { describe, expect, it } from 'vitest';
import { defaultTopology, type SimConfig } from '@cdmsim/config';
import { InvariantViolation, nodeId, type NodeId } from '@cdmsim/engine';
import { Errno, isErrPtr, munmap, type Process } from '@cdmsim/mm';
import { cdmsim, type EnvelopeData } from '@cdmsim/proto';
import { PteKind, pteKind } from '@cdmsim/shm';
import { capturingKernel } from '@cdmsim/kernel/testing';
import { createNodeMm } from '../mm/node-mm.js';
import { createSharedState } from '../shared-state.js';
import { Host } from './host.js';

const topology = defaultTopology();
const cpu0 = nodeId(0);
const gpu0 = topology.devices[0]!.id;
const gpu1 = topology.devices[1]!.id;

function world() {
  const config: SimConfig = { topology, workload: { kind: 'none' }, source: 'test' };
  const shared = createSharedState(config, 2);
  const { k, sent } = capturingKernel(topology, cpu0);
  const host = new Host(k, createNodeMm(topology, cpu0, shared));
  const proc = host.spawn();
  const vpn = host.mmapAnon(proc, 4 * topology.pageSizeBytes);
  for (let i = 0; i < 4; i++) expect(isErrPtr(host.touch(proc, vpn + i, true))).toBe(false);
  let seq = 0;
  /** The invalidations sent since the last call. */
  const invalidations = (): EnvelopeData[] => sent.splice(0).map((s) => s.env).filter((e) => e.rangeInvalidate);
  /** Device `from` acknowledges `env`. */
  const ack = (env: EnvelopeData, from: NodeId): void => {
    k.deliver(cdmsim.Envelope.create({ src: from, dst: cpu0, hopSrc: from, seq: ++seq, arriveTimePs: k.nowPs + 1000, txn: env.txn, rangeInvalidateAck: { pid: proc.pid, notifierSeq: 1 } }));
    k.runUntil(k.nowPs + 2000);
  };
  const mapped = (p: Process, v: number): boolean => {
    const pte = host.core.pageTables.lookup(p.root, v);
    return pte >= 0 && pteKind(host.core.pageTables.readBits(pte)) === PteKind.PRESENT;
  };
  return { k, host, proc, vpn, sent, invalidations, ack, mapped };
}

describe('Host: mapping changes of a mirrored process wait for every mirror', () => {
  it('munmap: the pages stay mapped until both mirroring devices acknowledged the UNMAP invalidation', () => {
    const { host, proc, vpn, invalidations, ack, mapped } = world();
    host.notifier.subscribe(proc.pid, gpu0);
    host.notifier.subscribe(proc.pid, gpu1);
    let result: Errno | undefined;
    host.munmap(proc, vpn + 1, 2, (r) => (result = r));
    const sent = invalidations();
    expect(sent.map((e) => [e.dst, e.rangeInvalidate!.event])).toEqual([
      [gpu0, cdmsim.InvalidateEvent.INV_UNMAP],
      [gpu1, cdmsim.InvalidateEvent.INV_UNMAP],
    ]);
    ack(sent[0]!, gpu0);
    expect(result).toBeUndefined();
    expect(mapped(proc, vpn + 1)).toBe(true);
    ack(sent[1]!, gpu1);
    expect(result).toBe(Errno.OK);
    expect([vpn, vpn + 1, vpn + 2, vpn + 3].map((v) => mapped(proc, v))).toEqual([true, false, false, true]);
  });

  it('a process no device mirrors changes at once, nothing sent', () => {
    const { host, proc, vpn, invalidations, mapped } = world();
    let result: Errno | undefined;
    host.munmap(proc, vpn, 1, (r) => (result = r));
    expect(result).toBe(Errno.OK);
    expect(mapped(proc, vpn)).toBe(false);
    expect(invalidations()).toEqual([]);
  });

  it('mprotect to read-only invalidates (PROTECTION); back to writable sends nothing; madvise DONTNEED invalidates (CLEAR); a bad range is EINVAL with nothing sent', () => {
    const { host, proc, vpn, invalidations, ack } = world();
    host.notifier.subscribe(proc.pid, gpu0);
    const results: Errno[] = [];
    host.mprotect(proc, vpn, 4, false, (r) => results.push(r));
    const [protect] = invalidations();
    expect(protect!.rangeInvalidate!.event).toBe(cdmsim.InvalidateEvent.INV_PROTECTION);
    ack(protect!, gpu0);
    host.mprotect(proc, vpn, 4, true, (r) => results.push(r));
    expect(invalidations()).toEqual([]);
    host.madvise(proc, vpn, 1, 'dontneed', (r) => results.push(r));
    const [clear] = invalidations();
    expect(clear!.rangeInvalidate!.event).toBe(cdmsim.InvalidateEvent.INV_CLEAR);
    ack(clear!, gpu0);
    host.munmap(proc, vpn, 0, (r) => results.push(r));
    expect(invalidations()).toEqual([]);
    expect(results).toEqual([Errno.OK, Errno.OK, Errno.OK, Errno.EINVAL]);
  });

  it('fork write-protects the parent only after its mirrors acknowledged (PROTECTION); a COW write of the parent invalidates that page first (CLEAR)', () => {
    const { host, proc, vpn, invalidations, ack } = world();
    host.notifier.subscribe(proc.pid, gpu0);
    let child: Process | undefined;
    host.fork(proc, (c) => (child = c));
    const [protect] = invalidations();
    expect(child).toBeUndefined();
    ack(protect!, gpu0);
    expect(child).toBeDefined();
    const before = host.presentPfn(proc, vpn);
    let pfn: number | undefined;
    host.access(proc, vpn, true, (p) => (pfn = p));
    const [clear] = invalidations();
    expect(clear!.rangeInvalidate).toMatchObject({ event: cdmsim.InvalidateEvent.INV_CLEAR, start: vpn * topology.pageSizeBytes, end: (vpn + 1) * topology.pageSizeBytes });
    expect(pfn).toBeUndefined();
    ack(clear!, gpu0);
    expect(pfn).toBeDefined();
    expect(pfn).not.toBe(before);
  });

  it('exit_mmap tears down only after the RELEASE invalidation was acknowledged, then forgets the subscriptions', () => {
    const { host, proc, invalidations, ack } = world();
    host.notifier.subscribe(proc.pid, gpu0);
    let freed: number | undefined;
    host.exit(proc, (n) => (freed = n));
    const [release] = invalidations();
    expect(release!.rangeInvalidate!.event).toBe(cdmsim.InvalidateEvent.INV_RELEASE);
    expect(freed).toBeUndefined();
    ack(release!, gpu0);
    expect(freed).toBe(4);
    expect(host.notifier.subscribers(proc.pid)).toEqual([]);
  });

  it('a change mm makes to a mirrored range outside an invalidation window fails with the range, the event and the devices', () => {
    const { host, proc, vpn } = world();
    host.notifier.subscribe(proc.pid, gpu0);
    expect(() => munmap(host.core, proc, vpn, 1)).toThrow(InvariantViolation);
    expect(() => munmap(host.core, proc, vpn + 1, 1)).toThrow(new RegExp(`mm changed pages \\[${vpn + 1}, ${vpn + 2}\\) of pid ${proc.pid} \\(unmap\\) while gpu0 mirror it, without invalidating their mirrors over the bus first`));
  });

  it('hmm_range_fault without HMM_PFN_REQ_FAULT (a snapshot) faults nothing: a hole is ERROR, an untouched page has no entry', () => {
    const { k, host, proc, vpn, sent } = world();
    const faultsBefore = host.stats.faults;
    const pageSize = topology.pageSizeBytes;
    const free = host.mmapAnon(proc, 2 * pageSize); // mapped, never touched
    k.deliver(cdmsim.Envelope.create({ src: gpu0, dst: cpu0, hopSrc: gpu0, seq: 1, arriveTimePs: k.nowPs + 1, txn: 77, rangeFault: { pid: proc.pid, vaddr: (vpn + 3) * pageSize, npages: 1, write: false, snapshot: true } }));
    k.deliver(cdmsim.Envelope.create({ src: gpu0, dst: cpu0, hopSrc: gpu0, seq: 2, arriveTimePs: k.nowPs + 1, txn: 78, rangeFault: { pid: proc.pid, vaddr: free * pageSize, npages: 2, write: true, snapshot: true } }));
    k.deliver(cdmsim.Envelope.create({ src: gpu0, dst: cpu0, hopSrc: gpu0, seq: 3, arriveTimePs: k.nowPs + 1, txn: 79, rangeFault: { pid: proc.pid, vaddr: 1 << 30, npages: 1, write: false, snapshot: true } }));
    k.runUntil(k.nowPs + 1e9);
    const replies = new Map(sent.splice(0).map((s) => s.env).filter((e) => e.rangeFaultReply).map((e) => [e.txn, e.rangeFaultReply!]));
    expect(replies.get(77)!.flags).toEqual([cdmsim.HmmPfnFlag.HMM_PFN_VALID | cdmsim.HmmPfnFlag.HMM_PFN_WRITE]);
    expect(replies.get(78)!.flags).toEqual([0, 0]);
    expect(replies.get(79)!.flags).toEqual([cdmsim.HmmPfnFlag.HMM_PFN_ERROR]);
    expect(host.stats.faults).toBe(faultsBefore);
  });
});
