/**
 * A driver's requests to move pages of a process range between RAM and its
 * device (the `migrate(ptr, size)` hint of the seed's discussion and its
 * reverse): the migration itself runs on the process's CPU node, which
 * holds the mmap lock (`Host.servePlacement`: `migrate_vma` with this
 * device copying, mirrors invalidated first); the driver sends the request
 * over the bus and gets the counts back. Used by migrate on device fault
 * and by the test device's migrate commands.
 */
import type { NodeId, Pid } from '@cdmsim/engine';
import { PendingReplies, type NodeKernel } from '@cdmsim/kernel';
import type { Errno } from '@cdmsim/mm';

/** What a range migration did: pages moved and skipped, or the host's errno (0 = none). */
export interface RangeMigrated {
  readonly migrated: number;
  readonly skipped: number;
  /** Errno.OK (0), or the errno the host's migration returned (ESRCH: no such process, EINVAL: not one anonymous VMA). */
  readonly error: Errno | 0;
}

/** Counters of a driver's range migrations (plain data). */
export interface DeviceMigrationStats {
  /** Requests sent to move a range into this device's memory, and the pages they moved. */
  toDeviceRequests: number;
  pagesToDevice: number;
  /** Requests sent to move this device's pages of a range back to RAM, and the pages they moved. */
  toSystemRequests: number;
  pagesToSystem: number;
}

/** One device's range migration requests. */
export class DeviceMigrations {
  readonly stats: DeviceMigrationStats = { toDeviceRequests: 0, pagesToDevice: 0, toSystemRequests: 0, pagesToSystem: 0 };
  readonly #kernel: NodeKernel;
  readonly #toDevice: PendingReplies;
  readonly #toSystem: PendingReplies;

  /** Registers the MigrateToDeviceDone and MigrateToSystemDone handlers on `kernel` (the device's). */
  constructor(kernel: NodeKernel) {
    this.#kernel = kernel;
    this.#toDevice = new PendingReplies(kernel, 'migrateToDeviceDone', 'device-migrations');
    this.#toSystem = new PendingReplies(kernel, 'migrateToSystemDone', 'device-migrations');
  }

  /**
   * Asks `host`, the CPU node of process `pid`, to migrate `npages` pages
   * from `vpn` into this device's memory; `then` gets the counts when the
   * migration finished (pages that could not move are skipped, never an error).
   */
  toDevice(host: NodeId, pid: Pid, vpn: number, npages: number, then: (r: RangeMigrated) => void): void {
    this.stats.toDeviceRequests++;
    const migrateToDevice = { pid, vaddr: vpn * this.#kernel.topology.pageSizeBytes, npages };
    this.#toDevice.send(host, { migrateToDevice }, (env) => {
      const r = rangeMigrated(env.migrateToDeviceDone);
      this.stats.pagesToDevice += r.migrated;
      then(r);
    });
  }

  /**
   * Asks `host` to migrate this device's pages among `npages` pages of `pid`
   * from `vpn` back to RAM (`dmirror_migrate_to_system`: other pages of the
   * range stay where they are); `then` gets the counts.
   */
  toSystem(host: NodeId, pid: Pid, vpn: number, npages: number, then: (r: RangeMigrated) => void): void {
    this.stats.toSystemRequests++;
    const migrateToSystem = { pid, vaddr: vpn * this.#kernel.topology.pageSizeBytes, npages };
    this.#toSystem.send(host, { migrateToSystem }, (env) => {
      const r = rangeMigrated(env.migrateToSystemDone);
      this.stats.pagesToSystem += r.migrated;
      then(r);
    });
  }
}

function rangeMigrated(d: { migrated?: number | null; skipped?: number | null; error?: number | null } | null | undefined): RangeMigrated {
  return { migrated: d?.migrated ?? 0, skipped: d?.skipped ?? 0, error: (d?.error ?? 0) as Errno | 0 }; // MigrateDone carries a positive errno
}
