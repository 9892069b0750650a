/**
 * A test device driver in the spirit of the kernel's lib/test_hmm.c
 * ("dmirror"): registers device memory, allocates its pages from a
 * DevicePagePool, migrates ranges to its memory, and migrates
 * device-private pages back to RAM in its fault callback. In-process; the
 * node layer will implement the same interfaces with bus messages.
 */
import { CdmsimError, type MemNodeId, type Pid } from '@cdmsim/engine';
import { PteKind, pteKind } from '@cdmsim/shm';
import { DevicePagePool } from './device-page-pool.js';
import { Devmem, type DevicePagemapOps, type IoResource } from './devmem.js';
import { devmemRemove, type DevmemRemoveOptions } from './devmem-remove.js';
import { Errno } from './errno.js';
import type { MmCore } from './mm-core.js';
import { migrateToRam, migrateVma, type MigrateResult, type MigrateVmaOps } from './migrate-vma.js';

/** A device's driver: pagemap callbacks plus migrate-to-device ops. */
export class DmirrorDriver implements DevicePagemapOps {
  readonly core: MmCore;
  readonly memNode: MemNodeId;
  /** Owner tag used on the mmu-notifier events of this driver's migrations. */
  readonly tag: string;
  #pool: DevicePagePool | null = null;
  /** page_free calls seen (tests assert on it). */
  pageFrees = 0;
  /** fault callbacks seen. */
  faults = 0;

  constructor(core: MmCore, memNode: MemNodeId) {
    this.core = core;
    this.memNode = memNode;
    this.tag = `dmirror-${memNode}`;
  }

  /** Registers `frameCount` private pages (`hmm_devmem_add`); returns OK or the errno. */
  addPrivate(frameCount: number): Errno {
    const d = this.core.devmem.add(this, this.memNode, frameCount);
    if (!(d instanceof Devmem)) return d;
    this.#pool = new DevicePagePool(d, this.core.frames);
    return Errno.OK;
  }

  /** Registers a public resource (`hmm_devmem_add_resource`); returns OK or EINVAL / EBUSY. */
  addResource(res: IoResource): Errno {
    const d = this.core.devmem.addResource(this, res);
    if (!(d instanceof Devmem)) return d;
    this.#pool = new DevicePagePool(d, this.core.frames);
    return Errno.OK;
  }

  /** The page pool (throws before registration). */
  get pool(): DevicePagePool {
    if (!this.#pool) throw new CdmsimError(`${this.tag}: no device memory registered`);
    return this.#pool;
  }

  /** The registered devmem. */
  get devmem(): Devmem {
    return this.pool.devmem;
  }

  pageFree(pfn: number): void {
    this.pageFrees++;
    this.pool.pageFree(pfn);
  }

  /** Returns the pool's handed-out pages (`DevicePagePool.inUse`, a copy). Throws before registration. */
  inUsePages(): Iterable<number> {
    return this.pool.inUse();
  }

  fault(pid: Pid, vpn: number, _pfn: number, _write: boolean): Errno {
    this.faults++;
    const proc = this.core.process(pid);
    migrateToRam(this.core, proc, vpn, vpn + 1, this.tag);
    const pte = this.core.pageTables.lookup(proc.root, vpn);
    return pte >= 0 && pteKind(this.core.pageTables.readBits(pte)) === PteKind.DEVICE_PRIVATE ? Errno.ENOMEM : Errno.OK;
  }

  /** Unregisters the device memory (`hmm_devmem_remove`, see `devmemRemove`): OK, or EBUSY while pages are in use. */
  remove(opts: DevmemRemoveOptions = {}): Errno {
    return devmemRemove(this.core, this.devmem, opts);
  }

  /** Migrate ops that allocate this device's pages (declining when full). */
  deviceOps(): MigrateVmaOps {
    return {
      allocAndCopy: (core, m) => {
        for (const e of m.entries) {
          if (!e.migrate) continue;
          if (e.src !== null && core.frames.memNode(e.src) === this.memNode) continue; // already here
          const dst = this.pool.alloc();
          if (dst === null) continue;
          if (e.src !== null) core.content.copyPage(e.src, dst);
          e.dst = dst;
        }
      },
      finalizeAndMap: () => {},
    };
  }

  /** Migrates [startVpn, startVpn+pages) of process `pid` to this device (the driver's `migrate(ptr, size)` ioctl). */
  migrateToDevice(pid: Pid, startVpn: number, pages: number): MigrateResult | Errno {
    return migrateVma(this.core, this.deviceOps(), this.core.process(pid), startVpn, startVpn + pages, this.tag);
  }
}
