/**
 * Process side of the shared-buffer workload, on the configured CPU node:
 *   1. fill — map the buffer and write it page by page (first-touch faults
 *      place it in local RAM), with the seeded initial pattern;
 *   2. with device placement, migrate each device's slice to its memory
 *      (the driver's migrate hint); start every device on its slice
 *      (CTRL_START) and serve their range faults and memory accesses;
 *   3. when every device reported CTRL_DONE (with device placement, once
 *      the buffer is migrated back to RAM), read the whole buffer back and
 *      verify it: each device slice must match the device's digest (disjoint
 *      slices) and every chunk must be intact (initial pattern or a complete
 *      write some device really made);
 *   4. exit the process: every device mirror of it is invalidated and
 *      acknowledged first, then every frame is freed.
 */
import { CdmsimError, RunningHash, type NodeId, type Ps } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import { Errno, isErrPtr, ptrErr, type Process } from '@cdmsim/mm';
import type { NodeKernel } from '@cdmsim/kernel';
import type { ControlChannel, ControlMessage, HomeAgent, Host } from '@cdmsim/platform';
import { movesPagesToDevices, type MirrorMode, type Placement, type SharedBufferWorkloadSpec } from './config.js';
import { planSlices, type DeviceSlice } from './plan.js';
import { fillInitial, identifyChunk } from './patterns.js';

/** What the shared-buffer workload reports (plain data); part of results.json. */
export interface SharedBufferOutcome {
  readonly kind: 'shared-buffer';
  readonly processNode: string;
  readonly bufferBytes: number;
  readonly accessBytes: number;
  readonly devices: number;
  readonly overlap: boolean;
  /** How the devices built their mirrors (prefetch, or on-fault through their fault buffers). */
  readonly mirror: MirrorMode;
  /** Where the buffer was while the devices worked. */
  readonly placement: Placement;
  /** True when every check passed. */
  readonly verified: boolean;
  /** What failed, for people (empty when verified). */
  readonly problems: readonly string[];
  /** Digest of the buffer's final contents. */
  readonly dataHash: string;
  readonly deviceReads: number;
  readonly deviceWrites: number;
  readonly readMismatches: number;
  /** Chunks holding a write, the initial pattern, or neither (corrupt). */
  readonly chunks: { readonly written: number; readonly initial: number; readonly corrupt: number };
  /** When each phase ended; the exit waits for every device mirror's invalidation acknowledgement. */
  readonly phases: { readonly fillDonePs: Ps; readonly placedPs: Ps; readonly devicesDonePs: Ps; readonly verifyDonePs: Ps; readonly exitDonePs: Ps };
  readonly framesFreedAtExit: number;
}


/** The shared-buffer workload's process. */
export class SharedBufferProcess {
  #outcome: SharedBufferOutcome | undefined;
  readonly #kernel: NodeKernel;
  readonly #config: SimConfig<SharedBufferWorkloadSpec>;
  readonly #host: Host;
  readonly #memory: HomeAgent;
  readonly #control: ControlChannel;
  readonly #slices: DeviceSlice[];
  readonly #proc: Process;
  readonly #done = new Map<NodeId, ControlMessage>();
  #firstVpn = 0;
  #fillDonePs: Ps = 0;
  #placedPs: Ps = 0;
  #devicesDonePs: Ps = 0;

  /**
   * Starts the process on `host` (this CPU node). `memory` is the home agent
   * of this node's RAM, where the buffer lives (first touch is local);
   * `control` carries the devices' start and done messages.
   */
  constructor(kernel: NodeKernel, config: SimConfig<SharedBufferWorkloadSpec>, host: Host, memory: HomeAgent, control: ControlChannel) {
    this.#kernel = kernel;
    this.#config = config;
    this.#host = host;
    this.#memory = memory;
    this.#control = control;
    this.#slices = planSlices(config);
    this.#proc = host.spawn();
    control.onMessage((src, msg) => this.#deviceDone(src, msg));
    host.onPlacementRequest(() => this.#servePlacements());
    kernel.reportWork(0, this.#pageCount());
  }

  /** The outcome, once the workload finished. */
  get outcome(): SharedBufferOutcome | undefined {
    return this.#outcome;
  }

  /** Schedules the workload's first step at time 0. */
  begin(): void {
    this.#firstVpn = this.#host.mmapAnon(this.#proc, this.#config.workload.bufferBytes);
    this.#kernel.at(0, 'fill page', () => this.#fillPage(0));
  }

  #pageCount(): number {
    return Math.ceil(this.#config.workload.bufferBytes / this.#config.topology.pageSizeBytes);
  }

  /** Touches and writes page `i`, then schedules page i + 1 when this one is done. */
  #fillPage(i: number): void {
    const pageSize = this.#config.topology.pageSizeBytes;
    if (i === this.#pageCount()) {
      this.#fillDonePs = this.#kernel.nowPs;
      this.#kernel.reportWork(i, i);
      if (this.#config.workload.placement === 'device') this.#placeSlice(0);
      else this.#startDevices();
      return;
    }
    this.#kernel.reportWork(i, this.#pageCount());
    const pfn = this.#host.touch(this.#proc, this.#firstVpn + i, true);
    if (isErrPtr(pfn)) throw new CdmsimError(`process on ${this.#kernel.spec.name}: filling buffer page ${i} failed with ${Errno[ptrErr(pfn)]}`);
    const bytes = new Uint8Array(pageSize);
    fillInitial(bytes, this.#kernel.seed, i * pageSize);
    const spec = this.#kernel.spec;
    const faultPs = spec.kind === 'cpu' ? spec.faultLatencyPs : 0;
    const writtenPs = this.#memory.localAccess(pfn, 0, bytes, true);
    this.#kernel.at(writtenPs + faultPs, 'fill page', () => this.#fillPage(i + 1));
  }

  /** Migrates slice `i` (its pages) to its device, then the next; starts the devices after the last (`migrate(ptr, size)` hints, one at a time under the mmap lock). */
  #placeSlice(i: number): void {
    const s = this.#slices[i];
    if (!s) {
      this.#placedPs = this.#kernel.nowPs;
      return this.#startDevices();
    }
    const pageSize = this.#config.topology.pageSizeBytes;
    const first = this.#firstVpn + Math.floor(s.startBytes / pageSize);
    const end = this.#firstVpn + Math.ceil((s.startBytes + s.bytes) / pageSize);
    this.#host.migrations.toDevice(this.#proc, first, end, s.device, (r) => {
      if (typeof r === 'number') throw new CdmsimError(`process on ${this.#kernel.spec.name}: migrating the slice of ${this.#config.topology.nodes[s.device]!.name} failed with ${Errno[r] ?? r}`);
      this.#placeSlice(i + 1);
    });
  }

  /** After the devices: when pages moved to devices the buffer comes back to RAM first (the reverse hint); then it is read back and verified. */
  #collectBuffer(): void {
    const verify = (): void => this.#kernel.at(this.#readBack(), 'verify buffer', () => this.#verify());
    if (!movesPagesToDevices(this.#config.workload)) return verify();
    this.#host.migrations.toRam(this.#proc, this.#firstVpn, this.#firstVpn + this.#pageCount(), null, (r) => {
      if (typeof r === 'number') throw new CdmsimError(`process on ${this.#kernel.spec.name}: migrating the buffer back to RAM failed with ${Errno[r] ?? r}`);
      verify();
    });
  }

  #startDevices(): void {
    const pageSize = this.#config.topology.pageSizeBytes;
    for (const s of this.#slices) {
      this.#control.send(s.device, {
        op: 'start',
        pid: this.#proc.pid,
        vaddr: this.#firstVpn * pageSize,
        bytes: this.#config.workload.bufferBytes,
        sliceStart: s.startBytes,
        sliceBytes: s.bytes,
      });
    }
    if (this.#slices.length === 0) this.#collectBuffer();
  }

  #servingPlacement = false;

  /**
   * Serves the drivers' migrate-on-fault requests one at a time (the mmap
   * lock: the process does nothing else while the devices run).
   * @throws CdmsimError when one arrives outside the devices' phase (the process holds the lock for its own work then).
   */
  #servePlacements(): void {
    if (this.#servingPlacement) return;
    if (this.#devicesDonePs > 0 || this.#fillDonePs === 0) throw new CdmsimError(`process on ${this.#kernel.spec.name}: a migrate-on-fault request outside the devices' phase`);
    const req = this.#host.takePlacement();
    if (!req) return;
    this.#servingPlacement = true;
    this.#host.servePlacement(req, () => {
      this.#servingPlacement = false;
      this.#servePlacements();
    });
  }

  /** A device reports its slice done. */
  #deviceDone(src: NodeId, msg: ControlMessage): void {
    if (msg.op !== 'done') throw new CdmsimError(`process on ${this.#kernel.spec.name}: unexpected ${msg.op} message from node ${src}`);
    this.#done.set(src, msg);
    if (this.#done.size === this.#slices.length) {
      this.#devicesDonePs = this.#kernel.nowPs;
      this.#collectBuffer();
    }
  }

  #buffer: Uint8Array = new Uint8Array(0);

  /** Reads the whole buffer from memory (charged to the channel); returns when the last page is in. */
  #readBack(): Ps {
    const pageSize = this.#config.topology.pageSizeBytes;
    this.#buffer = new Uint8Array(this.#pageCount() * pageSize);
    let done = this.#kernel.nowPs;
    for (let i = 0; i < this.#pageCount(); i++) {
      const pfn = this.#host.presentPfn(this.#proc, this.#firstVpn + i);
      if (pfn === undefined) throw new CdmsimError(`process on ${this.#kernel.spec.name}: buffer page ${i} is not mapped at verification`);
      done = this.#memory.localAccess(pfn, 0, this.#buffer.subarray(i * pageSize, (i + 1) * pageSize), false);
    }
    return done;
  }

  /** Checks the buffer read back, exits the process and, once it has exited, records the outcome. */
  #verify(): void {
    const { topology } = this.#config;
    const workload = this.#config.workload;
    const buffer = this.#buffer;
    const problems: string[] = [];
    const chunks = { written: 0, initial: 0, corrupt: 0 };
    const writesBy = new Map<number, number>();
    for (const s of this.#slices) writesBy.set(s.index, this.#done.get(s.device)?.writes ?? 0);
    const chunkCount = Math.floor(workload.bufferBytes / workload.accessBytes);
    for (let c = 0; c < chunkCount; c++) {
      const off = c * workload.accessBytes;
      const id = identifyChunk(buffer.subarray(off, off + workload.accessBytes), this.#kernel.seed, off);
      if (id.kind === 'write' && id.writeNo >= (writesBy.get(id.device) ?? 0)) {
        chunks.corrupt++;
        if (problems.length < 10) problems.push(`chunk at ${off} holds write ${id.writeNo} of device ${id.device}, which never made it`);
      } else {
        chunks[id.kind === 'write' ? 'written' : id.kind]++;
        if (id.kind === 'corrupt' && problems.length < 10) problems.push(`chunk at ${off} is corrupt`);
      }
    }
    if (!workload.overlap) {
      for (const s of this.#slices) {
        const digest = sliceDigest(buffer, s.startBytes, s.bytes, workload.accessBytes);
        const reported = this.#done.get(s.device)?.digest ?? 0;
        if (parseInt(digest.slice(0, 13), 16) !== reported) {
          problems.push(`slice of ${topology.nodes[s.device]!.name} does not hold what the device wrote last`);
        }
      }
    }
    let deviceReads = 0;
    let deviceWrites = 0;
    let readMismatches = 0;
    for (const c of this.#done.values()) {
      deviceReads += c.reads ?? 0;
      deviceWrites += c.writes ?? 0;
      readMismatches += c.readMismatches ?? 0;
    }
    if (readMismatches > 0) problems.push(`${readMismatches} device reads did not return the last write`);
    const dataHash = new RunningHash().addBytes(buffer.subarray(0, workload.bufferBytes)).hex();
    const verifyDonePs = this.#kernel.nowPs;
    this.#host.exit(this.#proc, (freed) => {
      this.#outcome = {
        kind: 'shared-buffer',
        processNode: this.#kernel.spec.name,
        bufferBytes: workload.bufferBytes,
        accessBytes: workload.accessBytes,
        devices: this.#slices.length,
        overlap: workload.overlap,
        mirror: workload.mirror,
        placement: workload.placement,
        verified: problems.length === 0,
        problems,
        dataHash,
        deviceReads,
        deviceWrites,
        readMismatches,
        chunks,
        phases: { fillDonePs: this.#fillDonePs, placedPs: this.#placedPs || this.#fillDonePs, devicesDonePs: this.#devicesDonePs, verifyDonePs, exitDonePs: this.#kernel.nowPs },
        framesFreedAtExit: freed,
      };
    });
  }
}

/** Digest of `bytes` bytes of `buffer` from `start`, chunk by chunk, as devices compute it. */
function sliceDigest(buffer: Uint8Array, start: number, bytes: number, chunkBytes: number): string {
  const hash = new RunningHash();
  for (let off = start; off < start + bytes; off += chunkBytes) hash.addBytes(buffer.subarray(off, off + chunkBytes));
  return hash.hex();
}
