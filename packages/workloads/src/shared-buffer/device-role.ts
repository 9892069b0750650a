/**
 * Device side of the shared-buffer workload. On START the device builds its
 * mirror of the process range with range faults (the fault-and-snapshot of
 * hmm_range_fault, answered by the process's CPU node), then performs its
 * accesses through the bus to the home agent of each page, several in
 * flight, checking every read against what must be there, and finally
 * reports its counters and the digest of what its slice must hold.
 */
import type { NodeId } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import type { SharedBufferWorkloadSpec } from './config.js';
import { cdmsim, type EnvelopeData } from '@cdmsim/proto';
import type { NodeKernel } from '@cdmsim/kernel';
import type { MemoryRanges } from '@cdmsim/platform';
import { DEVICE_OUTSTANDING_ACCESSES, PAGES_PER_RANGE_FAULT, planSlices, type DeviceSlice } from './plan.js';
import { expectedSliceDigest, fillInitial, fillTagged, equalBytes, identifyChunk } from './patterns.js';

/** Counters of the device side (plain data). */
export interface DeviceWorkloadStats {
  reads: number;
  writes: number;
  readBytes: number;
  writtenBytes: number;
  rangeFaults: number;
  mirroredPages: number;
  /** Reads whose data was not what the last write in coherence order left. */
  readMismatches: number;
  firstMismatch?: string;
  /** Sum of access round trips (issue to response). */
  totalLatencyPs: number;
  maxLatencyPs: number;
  startedPs: number;
  finishedPs: number;
}

interface PendingAccess {
  readonly issuedPs: number;
  readonly offset: number;
  readonly write: boolean;
  /** For reads: the write number the chunk must hold (-1 = initial), when known. */
  readonly expectWriteNo: number | undefined;
}


/** The shared-buffer workload running on one device. */
export class SharedBufferDevice {
  readonly stats: DeviceWorkloadStats = {
    reads: 0,
    writes: 0,
    readBytes: 0,
    writtenBytes: 0,
    rangeFaults: 0,
    mirroredPages: 0,
    readMismatches: 0,
    totalLatencyPs: 0,
    maxLatencyPs: 0,
    startedPs: 0,
    finishedPs: 0,
  };
  readonly #kernel: NodeKernel;
  readonly #config: SimConfig<SharedBufferWorkloadSpec>;
  readonly #memory: MemoryRanges;
  readonly #slice: DeviceSlice;
  /** The device's mirror of the process page table: vpn -> pfn. */
  readonly #mirror = new Map<number, number>();
  readonly #pending = new Map<number, PendingAccess>();
  /** chunk index -> last write number this device issued there. */
  readonly #lastWrite = new Map<number, number>();
  #vaddr = 0;
  #pid = 0;
  #owner = 0 as NodeId;
  #faultsInFlight = 0;
  #issued = 0;
  #completed = 0;

  constructor(kernel: NodeKernel, config: SimConfig<SharedBufferWorkloadSpec>, memory: MemoryRanges) {
    this.#kernel = kernel;
    this.#config = config;
    this.#memory = memory;
    const slice = planSlices(config).find((s) => s.device === kernel.self);
    if (!slice) throw new Error(`device ${kernel.spec.name} has no slice in the plan`);
    this.#slice = slice;
    kernel.reportWork(0, config.workload.accessesPerDevice);
  }

  /** Handles CTRL_START from the process: build the mirror of our slice. */
  start(env: EnvelopeData): void {
    const c = env.control!;
    this.#vaddr = c.vaddr ?? 0;
    this.#pid = c.pid ?? 0;
    this.#owner = env.src as NodeId;
    this.stats.startedPs = this.#kernel.nowPs;
    const pageSize = this.#config.topology.pageSizeBytes;
    const firstVpn = Math.floor((this.#vaddr + this.#slice.startBytes) / pageSize);
    const endVpn = Math.ceil((this.#vaddr + this.#slice.startBytes + this.#slice.bytes) / pageSize);
    const faultPs = this.#kernel.spec.kind === 'gpu' ? this.#kernel.spec.faultLatencyPs : 0;
    for (let vpn = firstVpn; vpn < endVpn; vpn += PAGES_PER_RANGE_FAULT) {
      const npages = Math.min(PAGES_PER_RANGE_FAULT, endVpn - vpn);
      this.#faultsInFlight++;
      this.stats.rangeFaults++;
      // The driver's fault handling costs faultLatencyPs before the request leaves.
      this.#kernel.after(faultPs, 'range fault', () =>
        this.#kernel.send(this.#owner, { rangeFault: { pid: this.#pid, vaddr: vpn * pageSize, npages, write: true } }),
      );
    }
    if (this.#faultsInFlight === 0) this.#finish();
  }

  /** Handles the snapshot answering one range fault. */
  mirrorReply(env: EnvelopeData): void {
    const r = env.rangeFaultReply!;
    if (r.error) throw new Error(`device ${this.#kernel.spec.name}: range fault failed with ${r.error}`);
    const pageSize = this.#config.topology.pageSizeBytes;
    const firstVpn = Math.floor((r.vaddr ?? 0) / pageSize);
    const pfns = r.pfns ?? [];
    const flags = r.flags ?? [];
    for (let i = 0; i < pfns.length; i++) {
      if (!((flags[i] ?? 0) & cdmsim.HmmPfnFlag.HMM_PFN_VALID)) {
        throw new Error(`device ${this.#kernel.spec.name}: page ${firstVpn + i} not valid in snapshot`);
      }
      this.#mirror.set(firstVpn + i, pfns[i]!);
    }
    this.stats.mirroredPages = this.#mirror.size;
    if (--this.#faultsInFlight === 0) {
      for (let i = 0; i < DEVICE_OUTSTANDING_ACCESSES; i++) this.#issueNext(i * this.#config.workload.thinkTimePs);
    }
  }

  #issueNext(delayPs: number): void {
    if (this.#issued >= this.#config.workload.accessesPerDevice) return;
    this.#issued++;
    this.#kernel.after(delayPs, 'issue access', () => this.#issue());
  }

  #issue(): void {
    const { topology } = this.#config;
    const workload = this.#config.workload;
    const rng = this.#kernel.rng;
    const chunks = this.#slice.bytes / workload.accessBytes;
    const chunk = this.#slice.startBytes / workload.accessBytes + rng.int(0, chunks - 1);
    const offset = chunk * workload.accessBytes;
    const write = rng.chance(workload.writeFraction);
    const vaddr = this.#vaddr + offset;
    const pfn = this.#mirror.get(Math.floor(vaddr / topology.pageSizeBytes));
    if (pfn === undefined) throw new Error(`device ${this.#kernel.spec.name}: no mirror entry for ${vaddr.toString(16)}`);
    const home = this.#memory.of(pfn);
    if (!home) throw new Error(`device ${this.#kernel.spec.name}: pfn ${pfn} belongs to no memory`);
    const paddr = pfn * topology.pageSizeBytes + (vaddr % topology.pageSizeBytes);
    const txn = this.#kernel.newTxn();
    let data: Uint8Array | undefined;
    let expectWriteNo: number | undefined;
    if (write) {
      const writeNo = this.stats.writes++;
      data = new Uint8Array(workload.accessBytes);
      fillTagged(data, this.#slice.index, writeNo);
      this.#lastWrite.set(chunk, writeNo);
      this.stats.writtenBytes += data.length;
    } else {
      this.stats.reads++;
      this.stats.readBytes += workload.accessBytes;
      // With disjoint slices this device is the only writer of the chunk, so
      // a read must return its own last write (or the initial contents).
      expectWriteNo = workload.overlap ? undefined : (this.#lastWrite.get(chunk) ?? -1);
    }
    this.#pending.set(txn, { issuedPs: this.#kernel.nowPs, offset, write, expectWriteNo });
    this.#kernel.send(home.home, {
      txn,
      memReq: {
        op: write ? cdmsim.MemOp.MEM_WRITE : cdmsim.MemOp.MEM_READ,
        paddr,
        size: workload.accessBytes,
        ...(data ? { data } : {}),
      },
    });
  }

  /** Handles the home agent's answer to one access. */
  response(env: EnvelopeData): void {
    const access = this.#pending.get(env.txn ?? 0);
    if (!access) throw new Error(`device ${this.#kernel.spec.name}: response for unknown txn ${env.txn}`);
    this.#pending.delete(env.txn ?? 0);
    const r = env.memResp!;
    if (r.status) throw new Error(`device ${this.#kernel.spec.name}: access at ${access.offset} failed with status ${r.status}`);
    const latency = this.#kernel.nowPs - access.issuedPs;
    this.stats.totalLatencyPs += latency;
    if (latency > this.stats.maxLatencyPs) this.stats.maxLatencyPs = latency;
    if (!access.write) this.#checkRead(access, r.data ?? new Uint8Array(0));
    this.#completed++;
    this.#kernel.reportWork(this.#completed, this.#config.workload.accessesPerDevice);
    this.#issueNext(this.#config.workload.thinkTimePs);
    if (this.#completed === this.#config.workload.accessesPerDevice) this.#finish();
  }

  #checkRead(access: PendingAccess, data: Uint8Array): void {
    const workload = this.#config.workload;
    let ok: boolean;
    if (access.expectWriteNo === undefined) {
      ok = identifyChunk(data, this.#kernel.seed, access.offset).kind !== 'corrupt';
    } else {
      const expect = new Uint8Array(workload.accessBytes);
      if (access.expectWriteNo < 0) fillInitial(expect, this.#kernel.seed, access.offset);
      else fillTagged(expect, this.#slice.index, access.expectWriteNo);
      ok = equalBytes(expect, data);
    }
    if (!ok) {
      this.stats.readMismatches++;
      this.stats.firstMismatch ??= `read at buffer offset ${access.offset} (t=${this.#kernel.nowPs} ps) returned unexpected data`;
    }
  }

  #finish(): void {
    this.stats.finishedPs = this.#kernel.nowPs;
    const workload = this.#config.workload;
    const digest = workload.overlap
      ? ''
      : expectedSliceDigest(this.#kernel.seed, this.#slice.startBytes, this.#slice.bytes, workload.accessBytes, this.#slice.index, this.#lastWrite);
    this.#kernel.send(this.#owner, {
      control: {
        op: cdmsim.ControlOp.CTRL_DONE,
        pid: this.#pid,
        sliceStart: this.#slice.startBytes,
        sliceBytes: this.#slice.bytes,
        reads: this.stats.reads,
        writes: this.stats.writes,
        readMismatches: this.stats.readMismatches,
        digest: digest === '' ? 0 : parseInt(digest.slice(0, 13), 16),
      },
    });
  }
}
