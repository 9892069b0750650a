/**
 * The in-process `MmStressHost`: every step runs synchronously on one
 * `MmWorld` (the device drivers are DmirrorDrivers in the same thread) and
 * calls `done` at once. A failed check throws `StressCheckFailed`, which
 * `runMmStress` turns into its report.
 */
import { CdmsimError, type Rng } from '@cdmsim/engine';
import type { Process } from '../address-space.js';
import { writeBytes } from '../access.js';
import type { Errno } from '../errno.js';
import { getUserPages, type GupFlags } from '../gup.js';
import type { MemcgId } from '../memcg.js';
import { migrateToRam, type MigrateResult } from '../migrate-vma.js';
import type { MmCore } from '../mm-core.js';
import type { MmWorld, WorldDevice } from './mm-world.js';
import { zeroMmStressOps, type MmStressHost, type MmStressOp, type MmStressPin, type MmStressPinCounts, type StressArea } from './stress-host.js';

/** Memory types the in-process stress counts pages of. */
export type MmStressMemory = 'ram' | 'public' | 'private';

/** A failed check of the in-process stress. */
export class StressCheckFailed extends CdmsimError {
  override readonly name = 'StressCheckFailed';
}

/** The in-process host of one `runMmStress` run (its state is the run's). */
export class WorldStressHost implements MmStressHost {
  readonly core: MmCore;
  readonly areas = new Map<Process, StressArea[]>();
  readonly pins: MmStressPin[] = [];
  readonly pinCounts: MmStressPinCounts = { shortTerm: 0, longTerm: 0, pages: 0, released: 0 };
  readonly expectedErrors: Record<string, number> = {};
  readonly devices: readonly WorldDevice[];
  readonly load = null;
  /** Operations run, by kind (counted by the runner after each step). */
  readonly operations = zeroMmStressOps();
  /** Pages migrated, by destination (device-private faults, long-term pins and migrate-to-ram count as ram; the runner adds those). */
  readonly migratedPages: Record<MmStressMemory, number> = { ram: 0, public: 0, private: 0 };
  /** The operation being run (`'release-all'`: the final release). */
  current: MmStressOp | 'release-all' = 'noop';
  opsStarted = 0;

  /** `memcgs`: those processes may join; `maxProcesses`: most live processes. The caller owns `world` for the run. */
  constructor(
    readonly world: MmWorld,
    readonly rng: Rng,
    readonly seed: number,
    readonly maxProcesses: number,
    readonly memcgs: readonly MemcgId[],
  ) {
    this.core = world.core;
    this.devices = world.devices;
  }

  begin(op: MmStressOp): void {
    this.current = op;
  }

  /** Throws StressCheckFailed with the message and the seed. */
  fail(message: string): never {
    throw new StressCheckFailed(`${message} (seed ${this.seed})`);
  }

  /** Starts the process on a random CPU node (one draw). */
  spawn(memcg: MemcgId | undefined): Process {
    return this.world.spawn(this.rng.int(0, this.world.cpus.length - 1), memcg);
  }

  store(proc: Process, vpn: number, byte: number, done: (r: Errno) => void): void {
    done(writeBytes(this.core, proc, this.world.va(vpn), new Uint8Array([byte])));
  }

  migrateToDevice(proc: Process, startVpn: number, endVpn: number, device: number, done: (r: MigrateResult | Errno) => void): void {
    const d = this.devices[device];
    if (!d) throw new CdmsimError(`WorldStressHost: no device #${device}`);
    const r = d.driver.migrateToDevice(proc.pid, startVpn, endVpn - startVpn);
    if (typeof r === 'object') this.migratedPages[d.kind] += r.migrated;
    done(r);
  }

  migrateToRam(proc: Process, startVpn: number, endVpn: number, done: (r: MigrateResult | Errno) => void): void {
    done(migrateToRam(this.core, proc, startVpn, endVpn));
  }

  /** A long-term GUP migrates public pages to RAM itself (the drivers are in this thread). */
  pin(proc: Process, vpn: number, pages: number, flags: GupFlags, done: (r: number[] | Errno) => void): void {
    done(getUserPages(this.core, proc, vpn, pages, flags));
  }
}
