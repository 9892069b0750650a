/**
 * Device side of the shared-buffer workload. On START the device's driver
 * mirrors the process's slice with range faults (the fault-and-snapshot of
 * hmm_range_fault, answered by the process's CPU node), or, with `mirror:
 * on-fault`, starts with an empty mirror and lets accesses fault (the
 * driver services its fault buffer in batches); the device reads and
 * writes its slice through the mirror, each access at the home agent of
 * its page, several in flight, checking every read against what must be
 * there, and finally reports its counters and the digest of what its
 * slice must hold.
 */
import { CdmsimError, InvariantViolation, type NodeId, type Pid } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { Errno } from '@cdmsim/mm';
import type { NodeKernel } from '@cdmsim/kernel';
import type { AccessResult, ControlChannel, ControlMessage, DeviceDriver } from '@cdmsim/platform';
import type { SharedBufferWorkloadSpec } from './config.js';
import { DEVICE_OUTSTANDING_ACCESSES, planSlices, type DeviceSlice } from './plan.js';
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
  readonly #driver: DeviceDriver;
  readonly #control: ControlChannel;
  readonly #slice: DeviceSlice;
  /** chunk index -> last write number this device issued there. */
  readonly #lastWrite = new Map<number, number>();
  #vaddr = 0;
  #pid = 0 as Pid;
  #owner = 0 as NodeId;
  #issued = 0;
  #completed = 0;

  /** Runs the slice of this device (`kernel.self`) with its `driver`; waits for the process's start message on `control`. */
  constructor(kernel: NodeKernel, config: SimConfig<SharedBufferWorkloadSpec>, driver: DeviceDriver, control: ControlChannel) {
    this.#kernel = kernel;
    this.#config = config;
    this.#driver = driver;
    this.#control = control;
    const slice = planSlices(config).find((s) => s.device === kernel.self);
    if (!slice) throw new CdmsimError(`device ${kernel.spec.name} has no slice in the plan`);
    this.#slice = slice;
    control.onMessage((src, msg) => this.#start(src, msg));
    kernel.reportWork(0, config.workload.accessesPerDevice);
  }

  /** The process says start: mirror our slice, then access it. */
  #start(src: NodeId, msg: ControlMessage): void {
    if (msg.op !== 'start') throw new CdmsimError(`device ${this.#kernel.spec.name}: unexpected ${msg.op} message from node ${src}`);
    this.#vaddr = msg.vaddr ?? 0;
    this.#pid = (msg.pid ?? 0) as Pid;
    this.#owner = src;
    this.stats.startedPs = this.#kernel.nowPs;
    const pageSize = this.#config.topology.pageSizeBytes;
    const firstVpn = Math.floor((this.#vaddr + this.#slice.startBytes) / pageSize);
    const endVpn = Math.ceil((this.#vaddr + this.#slice.startBytes + this.#slice.bytes) / pageSize);
    if (endVpn === firstVpn) return this.#finish();
    if (this.#config.workload.mirror === 'on-fault') return this.#issueFirst();
    const mmu = this.#driver.mmu;
    mmu.mirrorRange(src, this.#pid, firstVpn, endVpn, true, (r) => {
      if (r !== Errno.OK) throw new CdmsimError(`device ${this.#kernel.spec.name}: range fault of pid ${this.#pid} failed with ${Errno[r] ?? r}`);
      if (mmu.stats.invalidPages > 0) throw new InvariantViolation(`device ${this.#kernel.spec.name}: ${mmu.stats.invalidPages} pages of the buffer were not valid in the snapshot`, this.#kernel.seed);
      this.stats.mirroredPages = mmu.mirror.entries;
      this.#issueFirst();
    });
  }

  /** Starts DEVICE_OUTSTANDING_ACCESSES streams of accesses, staggered by the think time. */
  #issueFirst(): void {
    for (let i = 0; i < DEVICE_OUTSTANDING_ACCESSES; i++) this.#issueNext(i * this.#config.workload.thinkTimePs);
  }

  #issueNext(delayPs: number): void {
    if (this.#issued >= this.#config.workload.accessesPerDevice) return;
    this.#issued++;
    this.#kernel.after(delayPs, 'issue access', () => this.#issue());
  }

  #issue(): void {
    const workload = this.#config.workload;
    const rng = this.#kernel.rng;
    const chunks = this.#slice.bytes / workload.accessBytes;
    const chunk = this.#slice.startBytes / workload.accessBytes + rng.int(0, chunks - 1);
    const offset = chunk * workload.accessBytes;
    const write = rng.chance(workload.writeFraction);
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
    const access: PendingAccess = { issuedPs: this.#kernel.nowPs, offset, write, expectWriteNo };
    this.#driver.faults.accessOrFault(this.#owner, this.#pid, this.#vaddr + offset, workload.accessBytes, data, (res) => this.#response(access, res));
  }

  /** The home agent answered one access. */
  #response(access: PendingAccess, res: AccessResult): void {
    if (!res.ok) throw new CdmsimError(`device ${this.#kernel.spec.name}: access at buffer offset ${access.offset} failed (its page could not be faulted in, or its home agent refused it)`);
    const latency = this.#kernel.nowPs - access.issuedPs;
    this.stats.totalLatencyPs += latency;
    if (latency > this.stats.maxLatencyPs) this.stats.maxLatencyPs = latency;
    if (!access.write) this.#checkRead(access, res.data);
    this.#completed++;
    const total = this.#config.workload.accessesPerDevice;
    this.#kernel.reportWork(this.#completed, total);
    this.#issueNext(this.#config.workload.thinkTimePs);
    if (this.#completed === total) this.#finish();
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
    this.stats.rangeFaults = this.#driver.mmu.stats.rangeFaults;
    if (this.#config.workload.mirror === 'on-fault') this.stats.mirroredPages = this.#driver.mmu.mirror.entries;
    const workload = this.#config.workload;
    const digest = workload.overlap
      ? ''
      : expectedSliceDigest(this.#kernel.seed, this.#slice.startBytes, this.#slice.bytes, workload.accessBytes, this.#slice.index, this.#lastWrite);
    this.#control.send(this.#owner, {
      op: 'done',
      pid: this.#pid,
      sliceStart: this.#slice.startBytes,
      sliceBytes: this.#slice.bytes,
      reads: this.stats.reads,
      writes: this.stats.writes,
      readMismatches: this.stats.readMismatches,
      digest: digest === '' ? 0 : parseInt(digest.slice(0, 13), 16),
    });
  }
}
