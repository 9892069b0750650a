/**
 * The seeded randomized stress of the memory manager as a library function
 * (for `npx cdmsim stress mm` and the unit test): the operations of
 * `MM_STRESS_TABLE` — random mmap, writes with read-back checks, fork,
 * munmap, exit, mprotect, madvise DONTNEED/FREE with lazy-free reclaim,
 * memcg task moves, short- and long-term GUP pins and migrations to public
 * and private device memory and back — on one single-threaded `MmWorld`
 * (`WorldStressHost`). After every step the data of every process is read
 * back and `checkInvariants` runs; at the end every pin is released, every
 * process exits and `checkAllReleased` runs. Never throws for a model
 * failure: the first failed check ends the run with `ok: false`. Same
 * options → same report.
 */
import { CdmsimError, Rng } from '@cdmsim/engine';
import { readBytes } from '../access.js';
import { Errno } from '../errno.js';
import { releaseUserPages } from '../gup.js';
import { checkAllReleased, checkInvariants } from '../invariants.js';
import { ROOT_MEMCG, type MemcgId } from '../memcg.js';
import { exitProcess } from '../zap.js';
import { MmWorld, type WorldMemorySpec } from './mm-world.js';
import type { MmStressOp, MmStressPinCounts } from './stress-host.js';
import { MM_STRESS_TABLE } from './stress-ops.js';
import { withRuleBreak, type MmRuleBreakName } from './stress-sabotages.js';
import { runMmStressAfterOp, runMmStressOp, type MmStressTable } from './stress-table.js';
import { WorldStressHost, type MmStressMemory } from './world-stress-host.js';

/**
 * A deliberately broken rule, for tests of the stress itself: at the first
 * step ≥ `step` where it can apply, after the step's operation and before
 * its checks (`MM_RULE_BREAKS` says what each kind breaks). It must make
 * the run fail at that step.
 */
export interface MmStressSabotage {
  readonly step: number;
  readonly kind: MmRuleBreakName;
}

/** Options of `runMmStress`. Defaults are the machine and limits of the unit test. */
export interface MmStressOptions {
  /** Seed of the random operations. */
  readonly seed: number;
  /** Random operations to run (the `--ops` of the replay command). */
  readonly steps: number;
  /** Most live processes at once (default 4). */
  readonly processes?: number;
  /** RAM pages of each CPU node (default [256, 256]). */
  readonly cpus?: readonly number[];
  /** Device memories, each with a DmirrorDriver (default a 48-page public and a 48-page private device). */
  readonly devices?: readonly WorldMemorySpec[];
  /** Test only: break one rule mid-run to check that the stress catches it. */
  readonly sabotage?: MmStressSabotage;
}

/** Where and why a stress run failed. */
export interface MmStressFailure {
  /** Step index (0-based) of the failed check; `steps` for the final release check. */
  readonly step: number;
  /** Operation of that step (`'release-all'` for the final check). */
  readonly op: MmStressOp | 'release-all';
  /** What failed (invariant message, data mismatch, unexpected errno or thrown error), with the seed. */
  readonly message: string;
}

/** GUP counters of a run. */
export type MmStressPins = Readonly<MmStressPinCounts>;

/**
 * What a `runMmStress` run did. `ok: false` comes with `failure` (step,
 * operation, message); `replay` is always the command that repeats the run.
 * The counters cover the steps run so far.
 */
export interface MmStressReport {
  readonly ok: boolean;
  readonly seed: number;
  /** Steps run (on failure, up to and including the failed one). */
  readonly steps: number;
  /** `npx cdmsim stress mm --seed N --ops M`. */
  readonly replay: string;
  readonly failure?: MmStressFailure;
  /** Operations run, by kind. */
  readonly operations: Readonly<Record<MmStressOp, number>>;
  /** Expected errno outcomes (not failures), keyed `op:ERRNO`, e.g. `memcg-move:ENOMEM`, `pin-longterm:EBUSY`. */
  readonly expectedErrors: Readonly<Record<string, number>>;
  /** Pages migrated, by destination memory type (device-private faults, long-term pins and migrate-to-ram count as ram). */
  readonly migratedPages: Readonly<Record<MmStressMemory, number>>;
  /** Migrations that skipped pages (`MmStats.skippedMigrations`). */
  readonly skippedMigrations: number;
  /** Page faults (`MmStats.faults`, read-back checks included). */
  readonly faults: number;
  /** Copy-on-write copies. */
  readonly cowCopies: number;
  /** Lazy-free pages dropped by reclaim. */
  readonly lazyFreed: number;
  readonly pins: MmStressPins;
  /** OOM kills (`MmStats.oomKills`). */
  readonly oomKills: number;
  /** Most pages in use at the end of any step, per memory type (RAM without the zero page). */
  readonly peakPagesInUse: Readonly<Record<MmStressMemory, number>>;
}

/** Returns the replay command of a stress run. */
export function mmStressReplayCommand(seed: number, steps: number): string {
  return `npx cdmsim stress mm --seed ${seed} --ops ${steps}`;
}

/** Operations that count their own migrated pages (by device kind); every other step's migrations count as ram. */
const TO_DEVICE: ReadonlySet<MmStressOp | 'release-all'> = new Set(['migrate-to-public', 'migrate-to-private']);

/** Runs one operation of `table` on the synchronous host; throws CdmsimError if the host left it unfinished. */
function runOpNow(table: MmStressTable, h: WorldStressHost): void {
  let finished = false;
  runMmStressOp(table, h, () => {
    finished = true;
  });
  if (!finished) throw new CdmsimError(`mm stress: operation ${h.opsStarted} (${h.current}) did not finish synchronously on the in-process host`);
}

/** Reads back every byte whose value the run knows; fails the run on a mismatch or a failed read. */
function checkData(h: WorldStressHost, step: number): void {
  for (const [q, areas] of h.areas) {
    for (const a of areas) {
      for (const [vpn, b] of a.data) {
        const r = readBytes(h.core, q, h.world.va(vpn), 1);
        if (!(r instanceof Uint8Array)) h.fail(`step ${step}: read pid ${q.pid} vpn ${vpn} failed ${Errno[r]}`);
        else if (r[0] !== b) h.fail(`step ${step}: pid ${q.pid} vpn ${vpn} reads ${r[0]}, expected ${b}`);
      }
    }
  }
}

/** Updates `peak` with the pages in use now, per memory type (RAM without the zero page). */
function notePeak(w: MmWorld, peak: Record<MmStressMemory, number>): void {
  let ram = -1; // the zero page
  for (const a of w.core.ram.values()) ram += a.allocatedCount();
  peak.ram = Math.max(peak.ram, ram);
  const dev = { public: 0, private: 0 };
  for (const d of w.devices) dev[d.kind] += d.driver.pool.devmem.resource.frameCount - d.driver.pool.freeCount();
  peak.public = Math.max(peak.public, dev.public);
  peak.private = Math.max(peak.private, dev.private);
}

/**
 * Runs the seeded mm stress and returns its report; never throws for a
 * model failure (the first failed check stops the run with `ok: false`).
 */
export function runMmStress(options: MmStressOptions): MmStressReport {
  const { seed, steps } = options;
  const w = new MmWorld({ cpus: options.cpus ?? [256, 256], devices: options.devices ?? [{ kind: 'public', pages: 48 }, { kind: 'private', pages: 48 }], hostPages: 8, pageSize: 256 });
  const memcgs: MemcgId[] = [ROOT_MEMCG, w.core.memcgs.create('a').id, w.core.memcgs.create('b', 96).id];
  const h = new WorldStressHost(w, new Rng(seed), seed, options.processes ?? 4, memcgs);
  const s = options.sabotage;
  const table = s ? withRuleBreak(MM_STRESS_TABLE, s.kind, s.step + 1) : MM_STRESS_TABLE;
  const peak: Record<MmStressMemory, number> = { ram: 0, public: 0, private: 0 };
  let failure: MmStressFailure | undefined;

  const message = (e: unknown): string => {
    const m = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return m.includes(`seed ${seed}`) ? m : `${m} (seed ${seed})`;
  };
  try {
    for (let step = 0; step < steps; step++) {
      h.opsStarted = step + 1;
      const before = w.core.stats.migratedPages;
      runOpNow(table, h);
      const op = h.current === 'release-all' ? 'noop' : h.current;
      h.operations[op]++;
      if (!TO_DEVICE.has(op)) h.migratedPages.ram += w.core.stats.migratedPages - before;
      runMmStressAfterOp(table, h);
      const beforeChecks = w.core.stats.migratedPages;
      checkInvariants(w.core, seed);
      checkData(h, step);
      h.migratedPages.ram += w.core.stats.migratedPages - beforeChecks;
      notePeak(w, peak);
    }
    h.current = 'release-all';
    for (const pin of h.pins) releaseUserPages(w.core, pin.pfns, { longterm: pin.longterm });
    for (const q of h.areas.keys()) exitProcess(w.core, q);
    h.areas.clear();
    checkAllReleased(w.core, seed);
  } catch (e) {
    failure = { step: h.current === 'release-all' ? steps : h.opsStarted - 1, op: h.current, message: message(e) };
  }
  const stats = w.core.stats;
  return {
    ok: failure === undefined,
    seed,
    steps: h.opsStarted,
    replay: mmStressReplayCommand(seed, steps),
    ...(failure ? { failure } : {}),
    operations: h.operations,
    expectedErrors: h.expectedErrors,
    migratedPages: h.migratedPages,
    skippedMigrations: stats.skippedMigrations,
    faults: stats.faults,
    cowCopies: stats.cowCopies,
    lazyFreed: stats.lazyFreed,
    pins: h.pinCounts,
    oomKills: stats.oomKills,
    peakPagesInUse: peak,
  };
}
