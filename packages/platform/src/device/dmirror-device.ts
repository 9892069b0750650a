/**
 * The test device, like the kernel's `lib/test_hmm.c` ("dmirror"): the
 * commands a test program issues to a device's driver through its file
 * descriptor, each answered with the kernel's error code and the `cpages` /
 * `faults` counters of `struct hmm_dmirror_cmd`. It is built on the
 * device's real driver: reads and writes go through the device's mirror
 * (a missing entry is `dmirror_fault`: one range fault over the rest of the
 * range, counted in `faults`), migrations are requests to the process's CPU
 * node (`migrate_vma` there, with this device copying), snapshots are
 * snapshot-only range faults. Every step crosses the bus.
 */
import { CdmsimError, InvariantViolation, type NodeId, type Pid } from '@cdmsim/engine';
import { Errno } from '@cdmsim/mm';
import type { NodeKernel } from '@cdmsim/kernel';
import type { AccessResult } from './device-mmu.js';
import type { DeviceDriver } from './driver.js';

/** Range faults in a row that may leave the same page unusable (invalidations racing with the command) before the command is a livelock. */
export const MAX_STALLED_FAULTS = 64;

/** What a test-device command returns (`struct hmm_dmirror_cmd` after the ioctl). */
export interface DmirrorResult {
  /** Errno.OK, or the error the ioctl returns (as a positive errno). */
  readonly errno: Errno;
  /** Pages the command completed (read, written, migrated, snapshotted). */
  readonly cpages: number;
  /** Range faults the command needed to populate the mirror. */
  readonly faults: number;
  /** Read and migrate-to-device: the bytes the device read; snapshot: one byte per page (`HMM_DMIRROR_PROT_*`). */
  readonly data?: Uint8Array;
}

/** One range of a process as a command names it: `npages` pages from page `vpn` of `pid`, a process of CPU node `host`. */
export interface DmirrorRange {
  readonly host: NodeId;
  readonly pid: Pid;
  readonly vpn: number;
  readonly npages: number;
}

/** The test device of one device node. */
export class DmirrorDevice {
  readonly #kernel: NodeKernel;
  readonly #driver: DeviceDriver;

  constructor(kernel: NodeKernel, driver: DeviceDriver) {
    this.#kernel = kernel;
    this.#driver = driver;
  }

  /**
   * `HMM_DMIRROR_READ` (`dmirror_read`): reads the range through the mirror;
   * at the first page without an entry it faults the rest of the range in
   * for reading (`faults`++) and goes on. `done` gets the data, or the range
   * fault's error (EFAULT: not readable or not mapped) with the pages read so far.
   */
  read(r: DmirrorRange, done: (result: DmirrorResult) => void): void {
    const data = new Uint8Array(r.npages * this.#pageSize);
    this.#faultingLoop(r, false, data, 0, 0, done);
  }

  /**
   * `HMM_DMIRROR_WRITE` (`dmirror_write`): writes `data` (whole pages)
   * through the mirror, faulting the rest of the range in for writing at
   * the first page without a writable entry. `done` gets OK, or EPERM (a
   * read-only VMA), EFAULT (not mapped) with the pages written so far.
   */
  write(r: DmirrorRange, data: Uint8Array, done: (result: DmirrorResult) => void): void {
    this.#faultingLoop(r, true, data, 0, 0, done);
  }

  /**
   * `HMM_DMIRROR_MIGRATE_TO_DEV` (`dmirror_migrate_to_device`): asks the
   * process's CPU node to migrate the range into this device's memory,
   * maps the pages that arrived (`finalize_and_map`), then reads the range
   * back without faulting (`dmirror_do_read`) to return what migrated:
   * ENOENT when a page of the range is not in this device's mirror
   * (nothing could move: a shared mapping, another device's page), EINVAL
   * when the range is not covered by readable VMAs.
   */
  migrateToDevice(r: DmirrorRange, done: (result: DmirrorResult) => void): void {
    this.#driver.migrations.toDevice(r.host, r.pid, r.vpn, r.npages, (m) => {
      if (m.error !== Errno.OK) return done({ errno: m.error, cpages: 0, faults: 0 });
      this.#driver.mmu.mapLocal(r.host, r.pid, r.vpn, r.npages, (mapped) => {
        if (mapped !== Errno.OK) return done({ errno: mapped, cpages: 0, faults: 0 });
        const data = new Uint8Array(r.npages * this.#pageSize);
        this.#throughMirror(r, false, data, 0, (e, cpages) => done({ errno: e === Errno.EFAULT ? Errno.ENOENT : e, cpages, faults: 0, data }));
      });
    });
  }

  /**
   * `HMM_DMIRROR_MIGRATE_TO_SYS` (`dmirror_migrate_to_system`): asks the
   * process's CPU node to migrate this device's pages of the range back to
   * RAM. `done` gets the pages moved in `cpages`.
   */
  migrateToSystem(r: DmirrorRange, done: (result: DmirrorResult) => void): void {
    this.#driver.migrations.toSystem(r.host, r.pid, r.vpn, r.npages, (m) => done({ errno: m.error, cpages: m.migrated, faults: 0 }));
  }

  /**
   * `HMM_DMIRROR_SNAPSHOT` (`dmirror_snapshot`): one byte per page of the
   * range in dmirror's encoding, nothing faulted in.
   */
  snapshot(r: DmirrorRange, done: (result: DmirrorResult) => void): void {
    this.#driver.mmu.snapshot(r.host, r.pid, r.vpn, r.npages, (s) =>
      done(typeof s === 'number' ? { errno: s, cpages: 0, faults: 0 } : { errno: Errno.OK, cpages: r.npages, faults: 0, data: s }),
    );
  }

  /**
   * `HMM_DMIRROR_RELEASE`: every page of this device's memory goes back to
   * system memory (the driver evicts them all). `cpages` = pages moved.
   */
  release(done: (result: DmirrorResult) => void): void {
    this.#driver.evictAll((evicted) => done({ errno: Errno.OK, cpages: evicted, faults: 0 }));
  }

  /**
   * `HMM_DMIRROR_EXCLUSIVE` (`dmirror_exclusive`): takes the range for
   * exclusive (atomic) access (`make_device_exclusive`: each page faulted
   * in for writing, its CPU entry swapped for a device-exclusive entry, its
   * mirror entry tagged atomic), then reads it back through the mirror.
   * `done` gets the data with `cpages` = the pages read, or the errno
   * (EFAULT: not mapped; EBUSY: a page that cannot be exclusive, such as
   * device memory).
   */
  exclusive(r: DmirrorRange, done: (result: DmirrorResult) => void): void {
    this.#driver.mmu.makeExclusive(r.host, r.pid, r.vpn, r.vpn + r.npages, (e) => {
      if (e !== Errno.OK) return done({ errno: e, cpages: 0, faults: 0 });
      const data = new Uint8Array(r.npages * this.#pageSize);
      this.#throughMirror(r, false, data, 0, (err, cpages) => done({ errno: err, cpages, faults: 0, data }));
    });
  }

  /**
   * `HMM_DMIRROR_CHECK_EXCLUSIVE` (`dmirror_check_atomic`): EPERM while the
   * mirror still holds a page of the range for atomic access (no CPU touch
   * took it back), else OK.
   */
  checkExclusive(r: DmirrorRange, done: (result: DmirrorResult) => void): void {
    done({ errno: this.#driver.mmu.checkExclusive(r.pid, r.vpn, r.vpn + r.npages), cpages: 0, faults: 0 });
  }

  /** `HMM_DMIRROR_FLAGS` with `HMM_DMIRROR_FLAG_FAIL_ALLOC`: the driver's next destination allocation fails, once. */
  failNextAlloc(done: (result: DmirrorResult) => void): void {
    this.#driver.failNextAlloc();
    done({ errno: Errno.OK, cpages: 0, faults: 0 });
  }

  get #pageSize(): number {
    return this.#kernel.topology.pageSizeBytes;
  }

  /** The read/write loop of `dmirror_read` / `dmirror_write`: go through the mirror from page `from`; at a missing entry, fault the rest in and go on. */
  #faultingLoop(r: DmirrorRange, write: boolean, data: Uint8Array, from: number, faults: number, done: (result: DmirrorResult) => void, stalled = 0): void {
    this.#throughMirror(r, write, data, from, (e, cpages) => {
      if (e !== Errno.EFAULT) return done({ errno: e, cpages, faults, ...(write ? {} : { data }) });
      // The kernel's loop has no bound; a fault that keeps leaving the same page unusable is a livelock of the model.
      const stuck = cpages === from && faults > 0 ? stalled + 1 : 0;
      if (stuck > MAX_STALLED_FAULTS) {
        throw new InvariantViolation(`node ${this.#kernel.spec.name}: dmirror ${write ? 'write' : 'read'} of pid ${r.pid} page ${r.vpn + cpages}: ${stuck} range faults in a row succeeded without making the page ${write ? 'writable' : 'readable'} in the mirror (a livelock)`, this.#kernel.seed);
      }
      // dmirror_fault over [the first missing page, end): the CPU node faults it in (hmm_range_fault with HMM_PFN_REQ_FAULT).
      this.#driver.mmu.mirrorRange(r.host, r.pid, r.vpn + cpages, r.vpn + r.npages, write, (f) => {
        if (f !== Errno.OK) return done({ errno: f, cpages, faults, ...(write ? {} : { data }) });
        this.#faultingLoop(r, write, data, cpages, faults + 1, done, stuck);
      });
    });
  }

  /**
   * `dmirror_do_read` / `dmirror_do_write`: accesses pages from `from` in
   * order through the mirror, one page-sized access each, all in flight at
   * once; `done` gets OK and the page count, or EFAULT and the index of the
   * first page whose entry is missing (or read-only, for a write): the
   * accesses before it complete, none after it is issued.
   */
  #throughMirror(r: DmirrorRange, write: boolean, data: Uint8Array, from: number, done: (e: Errno, cpages: number) => void): void {
    const pageSize = this.#pageSize;
    const mmu = this.#driver.mmu;
    let end = r.npages;
    for (let i = from; i < r.npages; i++) {
      const entry = mmu.mirror.lookup(r.pid, r.vpn + i);
      if (!entry || (write && !entry.write)) {
        end = i;
        break;
      }
    }
    let outstanding = end - from;
    let failed = false;
    const settle = (): void => done(end === r.npages ? (failed ? Errno.EIO : Errno.OK) : Errno.EFAULT, end);
    if (outstanding === 0) return settle();
    for (let i = from; i < end; i++) {
      const piece = data.subarray(i * pageSize, (i + 1) * pageSize);
      const va = (r.vpn + i) * pageSize;
      const answered = (a: AccessResult): void => {
        if (!a.ok) failed = true;
        else if (!write) piece.set(a.data.subarray(0, pageSize));
        if (--outstanding === 0) settle();
      };
      if (mmu.access(r.pid, va, pageSize, write ? piece.slice() : undefined, answered) !== Errno.OK) throw new CdmsimError(`node ${this.#kernel.spec.name}: the mirror entry of pid ${r.pid} page ${r.vpn + i} vanished while checked`);
    }
  }
}
