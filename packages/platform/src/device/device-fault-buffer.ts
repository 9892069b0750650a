/**
 * A device's fault buffer, as its driver services it: an access the
 * mirror cannot serve (no entry, or a read-only one for a write) is a
 * device fault. It is parked in the buffer; `faultLatencyPs` after the
 * first fault the driver fetches a batch (`planFaultBatch`: sorted and
 * deduplicated by page, one range fault per contiguous run, as NVIDIA's
 * UVM driver does), maps each run (policy `map`: where the page is; policy
 * `migrate`: after migrating the run into this device's memory, a run
 * nobody touched yet being allocated here without a copy), then replays
 * the batch's accesses in the order they faulted.
 */
import type { NodeId, Pid, Ps } from '@cdmsim/engine';
import { Errno } from '@cdmsim/mm';
import type { NodeKernel } from '@cdmsim/kernel';
import type { AccessResult, DeviceMmu } from './device-mmu.js';
import { MAX_RANGE_FAULT_RETRIES, PAGES_PER_RANGE_FAULT } from './device-mmu.js';
import { planFaultBatch, type DeviceFault } from './fault-batch.js';
import type { DeviceMigrations } from './device-migrations.js';

/**
 * What the driver does with a batch's faulting pages (the placement
 * decision of a device fault): `map` maps each page where it is (remote
 * access over the bus when it is not in this device's memory); `migrate`
 * first asks the process's CPU node to migrate the pages into this
 * device's memory (migrate on fault), then maps them.
 */
export const DEVICE_FAULT_POLICIES = ['map', 'migrate'] as const;

/** One of DEVICE_FAULT_POLICIES. */
export type DeviceFaultPolicy = (typeof DEVICE_FAULT_POLICIES)[number];

/** A device access parked in the fault buffer until its batch is serviced. */
interface ParkedAccess extends DeviceFault {
  readonly host: NodeId;
  readonly faultedPs: Ps;
  /** Tries the access again (it may fault again). */
  replay(): void;
  /** Ends the access with `ok: false` (its page could not be faulted in). */
  fail(): void;
}

/** The fault buffer of one device. */
export class DeviceFaultBuffer {
  readonly #kernel: NodeKernel;
  readonly #mmu: DeviceMmu;
  readonly #migrations: DeviceMigrations;
  readonly #policy: DeviceFaultPolicy;
  /** Accesses waiting for a batch, in arrival order. */
  readonly #faultBuffer: ParkedAccess[] = [];
  /** Accesses parked per page (`pid:vpn`), in the buffer or in the batch being serviced. */
  readonly #parked = new Map<string, number>();
  #servicing = false;

  /** Faults through `mmu` (its counters count the faults too); `migrations` sends the runs to migrate under the `migrate` policy (default `map`). */
  constructor(kernel: NodeKernel, mmu: DeviceMmu, migrations: DeviceMigrations, policy: DeviceFaultPolicy = 'map') {
    this.#kernel = kernel;
    this.#mmu = mmu;
    this.#migrations = migrations;
    this.#policy = policy;
  }

  /** The driver's cost of handling a device fault before its batch is fetched. */
  #faultPs(): Ps {
    const spec = this.#kernel.spec;
    return spec.kind === 'gpu' ? spec.faultLatencyPs : 0;
  }

  /**
   * Like `DeviceMmu.access`, but a missing (or, for a write, read-only) mirror entry
   * is a device fault instead of EFAULT: the access waits in the driver's
   * fault buffer; `faultLatencyPs` after the first fault the driver fetches
   * a batch of up to the device's `faultBatchSize` faults (sorted and
   * deduplicated by page; one range fault to `host`, the process's CPU
   * node, per contiguous run, sent after `perFaultLatencyPs` per fault of
   * the batch) and, once every range fault is answered, replays the
   * batch's accesses in the order they faulted. `done` gets the
   * home agent's answer, or `ok: false` when the range fault failed or the
   * access faulted MAX_RANGE_FAULT_RETRIES times in a row.
   */
  accessOrFault(host: NodeId, pid: Pid, va: number, size: number, data: Uint8Array | undefined, done: (result: AccessResult) => void, attempt = 0): void {
    const vpn = Math.floor(va / this.#kernel.topology.pageSizeBytes);
    // A new access to a page with accesses still parked queues behind them, so accesses to one page stay in issue order; replays are older than anything parked.
    const behindParked = attempt === 0 && this.#parked.size > 0 && this.#parked.has(`${pid}:${vpn}`);
    if (!behindParked && this.#mmu.access(pid, va, size, data, done) === Errno.OK) return;
    if (attempt > MAX_RANGE_FAULT_RETRIES) return done({ ok: false, data: new Uint8Array(0) });
    this.#mmu.stats.deviceFaults++;
    const page = `${pid}:${vpn}`;
    this.#parked.set(page, (this.#parked.get(page) ?? 0) + 1);
    const unpark = (): void => {
      const n = this.#parked.get(page)! - 1;
      if (n === 0) this.#parked.delete(page);
      else this.#parked.set(page, n);
    };
    this.#faultBuffer.push({
      host,
      pid,
      vpn,
      write: data !== undefined,
      faultedPs: this.#kernel.nowPs,
      replay: () => {
        unpark();
        this.accessOrFault(host, pid, va, size, data, done, attempt + 1);
      },
      fail: () => {
        unpark();
        done({ ok: false, data: new Uint8Array(0) });
      },
    });
    if (!this.#servicing) this.#scheduleBatch();
  }

  /** The fault interrupt: the driver fetches a batch after `faultLatencyPs`; faults that arrive meanwhile join it. */
  #scheduleBatch(): void {
    this.#servicing = true;
    this.#kernel.after(this.#faultPs(), 'fault batch', () => this.#serviceBatch());
  }

  /** After a batch: the next one, if faults are waiting. */
  #afterBatch(): void {
    if (this.#faultBuffer.length > 0) this.#scheduleBatch();
    else this.#servicing = false;
  }

  /** True when the mirror now has an entry `f` can use (writable for a write). */
  #usable(f: DeviceFault): boolean {
    const entry = this.#mmu.mirror.lookup(f.pid, f.vpn);
    return entry !== undefined && (!f.write || entry.write);
  }

  /** Services the oldest batch of the fault buffer; the next batch is scheduled once this one's accesses are replayed. */
  #serviceBatch(): void {
    const spec = this.#kernel.spec;
    const batchSize = spec.kind === 'gpu' ? spec.faultBatchSize : 1;
    const fetched = this.#faultBuffer.splice(0, batchSize);
    // Faults on pages an earlier batch brought in are stale: replay them, fault the rest.
    const stale: ParkedAccess[] = [];
    const batch: ParkedAccess[] = [];
    for (const f of fetched) (this.#usable(f) ? stale : batch).push(f);
    this.#mmu.stats.staleFaults += stale.length;
    this.#replayInOrder(stale, () => false);
    if (batch.length === 0) return this.#kernel.after(stale.length, 'fault batch done', () => this.#afterBatch());
    const plan = planFaultBatch(batch, PAGES_PER_RANGE_FAULT);
    this.#mmu.stats.faultBatches++;
    this.#mmu.stats.faultedPages += plan.uniquePages;
    this.#mmu.stats.duplicateFaults += plan.duplicates;
    const hostOf = new Map(batch.map((f) => [f.pid, f.host]));
    const costPs = batch.length * (spec.kind === 'gpu' ? spec.perFaultLatencyPs : 0);
    let outstanding = plan.runs.length;
    let failed = false;
    // The batch's entries go into the mirror together, right before its accesses are replayed: no newer access can use a page before the batch's own accesses to it.
    const fills: (() => void)[] = [];
    const replay = (): void => {
      for (const fill of fills) fill();
      this.#replayInOrder(batch, () => failed, () => this.#afterBatch());
    };
    for (const run of plan.runs) {
      const host = hostOf.get(run.pid)!;
      const map = (delayPs: Ps): void =>
        this.#mmu.faultRun(host, run, delayPs, (r, fill) => {
          if (r !== Errno.OK) failed = true;
          fills.push(fill);
          if (--outstanding === 0) replay();
        });
      if (this.#policy === 'map') map(costPs);
      else this.#kernel.after(costPs, 'migrate on fault', () => this.#migrateHere(host, run.pid, run.firstVpn, run.npages, () => map(0)));
    }
  }

  /**
   * Replays `parked` in the order they faulted, one picosecond apart: two
   * accesses to one line sent in the same instant would reach a home in
   * the kernel's seeded tie order, not in issue order. With `failed()`
   * true, an access whose page is still not usable fails instead of
   * faulting forever. `then` runs after the last replay.
   */
  #replayInOrder(parked: readonly ParkedAccess[], failed: () => boolean, then?: () => void): void {
    parked.forEach((f, i) =>
      this.#kernel.after(i, 'replay fault', () => {
        this.#mmu.stats.faultWaitPs += this.#kernel.nowPs - f.faultedPs;
        if (failed() && !this.#usable(f)) f.fail();
        else f.replay();
      }),
    );
    if (then) this.#kernel.after(parked.length, 'fault batch done', then);
  }

  /**
   * Migrate on fault: asks `host` to migrate `npages` of `pid` from `vpn`
   * into this device's memory, then calls `then` (whatever moved: pages the
   * migration skipped are mapped where they are).
   */
  #migrateHere(host: NodeId, pid: Pid, vpn: number, npages: number, then: () => void): void {
    this.#mmu.stats.migrateRequests++;
    this.#migrations.toDevice(host, pid, vpn, npages, (r) => {
      this.#mmu.stats.migratedPages += r.migrated;
      then();
    });
  }
}
