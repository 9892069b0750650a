/**
 * The seeded randomized stress of the memory manager as a library function
 * (for `npx cdmsim stress mm` and the unit test): random mmap, writes with
 * read-back checks, fork, munmap, exit, mprotect, madvise DONTNEED/FREE with
 * lazy-free reclaim, memcg task moves, short- and long-term GUP pins and
 * migrations to public and private device memory and back, on one
 * single-threaded `MmWorld`. After every step the data of every process is
 * read back and `checkInvariants` runs; at the end every pin is released,
 * every process exits and `checkAllReleased` runs. Never throws for a model
 * failure: the first failed check ends the run with `ok: false`. Same
 * options → same report.
 */
import { CdmsimError, Rng } from '@cdmsim/engine';
import { mmap, munmap, type Process } from '../address-space.js';
import { readBytes, writeBytes } from '../access.js';
import { Errno, isErrPtr, ptrErr } from '../errno.js';
import { forkProcess } from '../fork.js';
import { getUserPages, releaseUserPages } from '../gup.js';
import { checkAllReleased, checkInvariants } from '../invariants.js';
import { madvise } from '../madvise.js';
import { ROOT_MEMCG, type MemcgId } from '../memcg.js';
import { memcgMoveTask } from '../memcg-move.js';
import { migrateToRam } from '../migrate-vma.js';
import { MmWorld, type WorldDevice, type WorldMemorySpec } from './mm-world.js';
import { mprotect } from '../mprotect.js';
import { getPage } from '../page-lifetime.js';
import { reclaimLazyFree } from '../reclaim.js';
import { exitProcess } from '../zap.js';

/** The operation kinds of the mm stress, as counted in `MmStressReport.operations`. */
export const MM_STRESS_OPS = [
  'spawn',
  'mmap',
  'write',
  'migrate-to-public',
  'migrate-to-private',
  'migrate-to-ram',
  'fork',
  'munmap',
  'exit',
  'mprotect',
  'madvise-dontneed',
  'madvise-free',
  'reclaim',
  'memcg-move',
  'pin-short',
  'pin-longterm',
  'unpin',
  'noop',
] as const;

/** One operation kind of the mm stress (`'noop'`: the drawn operation had nothing to act on). */
export type MmStressOp = (typeof MM_STRESS_OPS)[number];

/** Memory types the report counts pages of. */
export type MmStressMemory = 'ram' | 'public' | 'private';

/**
 * A deliberately broken rule, for tests of the stress itself: at the first
 * step ≥ `step` where it can apply, after the step's operation and before
 * its checks. `'skip-put-page'` leaks one reference of an in-use RAM page
 * (the effect of a missing `putPage`); `'corrupt-rss'` bumps one process's
 * anon rss counter. Either must make the run fail at that step.
 */
export interface MmStressSabotage {
  readonly step: number;
  readonly kind: 'skip-put-page' | 'corrupt-rss';
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
export interface MmStressPins {
  /** Successful short-term `getUserPages` calls. */
  readonly shortTerm: number;
  /** Successful FOLL_LONGTERM `getUserPages` calls. */
  readonly longTerm: number;
  /** Pages referenced by those calls. */
  readonly pages: number;
  /** Pins released during the run (the rest are released at the end). */
  readonly released: number;
}

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

/** Expected first byte of each page whose content is known, per process area; `write` mirrors the VMA permission. */
interface Area {
  vpn: number;
  pages: number;
  write: boolean;
  data: Map<number, number>;
}

/** Outstanding GUP references. */
interface Pin {
  readonly pfns: number[];
  readonly longterm: boolean;
}

/** A failed check inside a step. */
class StressCheckFailed extends CdmsimError {
  override readonly name = 'StressCheckFailed';
}

/**
 * Runs the seeded mm stress and returns its report; never throws for a
 * model failure (the first failed check stops the run with `ok: false`).
 */
export function runMmStress(options: MmStressOptions): MmStressReport {
  const { seed, steps } = options;
  const maxProcs = options.processes ?? 4;
  const cpus = options.cpus ?? [256, 256];
  const w = new MmWorld({ cpus, devices: options.devices ?? [{ kind: 'public', pages: 48 }, { kind: 'private', pages: 48 }], hostPages: 8, pageSize: 256 });
  const rng = new Rng(seed);
  const memcgs: MemcgId[] = [ROOT_MEMCG, w.core.memcgs.create('a').id, w.core.memcgs.create('b', 96).id];
  const model = new Map<Process, Area[]>();
  const pins: Pin[] = [];
  const operations = Object.fromEntries(MM_STRESS_OPS.map((k) => [k, 0])) as Record<MmStressOp, number>;
  const expectedErrors: Record<string, number> = {};
  const migratedPages: Record<MmStressMemory, number> = { ram: 0, public: 0, private: 0 };
  const peak: Record<MmStressMemory, number> = { ram: 0, public: 0, private: 0 };
  const pinCounts = { shortTerm: 0, longTerm: 0, pages: 0, released: 0 };
  let sabotaged = false;
  let failure: MmStressFailure | undefined;
  let stepsRun = 0;

  const pick = <T>(xs: readonly T[]): T | undefined => (xs.length ? xs[rng.int(0, xs.length - 1)] : undefined);
  const fail = (msg: string): never => {
    throw new StressCheckFailed(`${msg} (seed ${seed})`);
  };
  const expectErrno = (op: MmStressOp, r: Errno, allowed: readonly Errno[]): void => {
    if (!allowed.includes(r)) fail(`${op} returned ${Errno[r] ?? r}, expected ${allowed.map((e) => Errno[e]).join(' or ')}`);
    const key = `${op}:${Errno[r]}`;
    expectedErrors[key] = (expectedErrors[key] ?? 0) + 1;
  };
  const expectOk = (op: MmStressOp, r: Errno): void => {
    if (r !== Errno.OK) fail(`${op} returned ${Errno[r] ?? r}, expected OK`);
  };
  const deviceOf = (kind: 'public' | 'private'): WorldDevice | undefined => {
    const ds = w.devices.filter((d) => d.kind === kind);
    return ds.length > 1 ? pick(ds) : (ds[0] ?? w.devices[0]);
  };
  const notePeak = (): void => {
    let ram = -1; // the zero page
    for (const a of w.core.ram.values()) ram += a.allocatedCount();
    peak.ram = Math.max(peak.ram, ram);
    const dev = { public: 0, private: 0 };
    for (const d of w.devices) dev[d.kind] += d.driver.pool.devmem.resource.frameCount - d.driver.pool.freeCount();
    peak.public = Math.max(peak.public, dev.public);
    peak.private = Math.max(peak.private, dev.private);
  };
  const sabotage = (): void => {
    const s = options.sabotage;
    if (!s || sabotaged || stepsRun - 1 < s.step) return;
    if (s.kind === 'corrupt-rss') {
      const p = model.keys().next().value;
      if (!p) return;
      p.rss.anon++;
    } else {
      const pfn = [...w.core.ram.values()].flatMap((a) => a.allocatedPfns()).find((x) => x !== w.core.zeroPfn);
      if (pfn === undefined) return;
      getPage(w.core, pfn); // never put: a skipped putPage
    }
    sabotaged = true;
  };
  const checkData = (step: number): void => {
    for (const [q, areas] of model) {
      for (const a of areas) {
        for (const [vpn, b] of a.data) {
          const r = readBytes(w.core, q, w.va(vpn), 1);
          if (!(r instanceof Uint8Array)) fail(`step ${step}: read pid ${q.pid} vpn ${vpn} failed ${Errno[r as Errno]}`);
          else if (r[0] !== b) fail(`step ${step}: pid ${q.pid} vpn ${vpn} reads ${r[0]}, expected ${b}`);
        }
      }
    }
  };

  let current: MmStressFailure['op'] = 'noop';
  /** Names the operation of the current step (before running it, so a throw inside it is reported against it). */
  const begin = (op: MmStressOp): void => {
    current = op;
  };
  /** Runs one random operation, naming it in `current`; returns its kind (`'noop'` if the drawn operation had nothing to act on). */
  const doStep = (): MmStressOp => {
    runOp();
    return current === 'release-all' ? 'noop' : current;
  };
  const runOp = (): void => {
    const p = pick([...model.keys()]);
    const op = rng.int(0, 13);
    if (!p || op === 0) {
      if (model.size >= maxProcs) return;
      begin('spawn');
      model.set(w.spawn(rng.int(0, cpus.length - 1), pick(memcgs)), []);
    } else if (op === 1) {
      begin('mmap');
      const pages = rng.int(1, 6);
      const r = mmap(w.core, p, { pages, kind: 'anon' });
      if (isErrPtr(r)) fail(`mmap of ${pages} pages failed: ${Errno[ptrErr(r)]}`);
      model.get(p)!.push({ vpn: r, pages, write: true, data: new Map() });
    } else if (op === 11) {
      begin('reclaim');
      for (const node of w.cpus) reclaimLazyFree(w.core, node);
    } else if (op === 12) {
      begin('memcg-move');
      const r = memcgMoveTask(w.core, p, pick(memcgs)!);
      if (typeof r !== 'object') expectErrno('memcg-move', r, [Errno.ENOMEM]);
    } else if (op === 13 && pins.length && rng.chance(0.5)) {
      begin('unpin');
      const pin = pins.splice(rng.int(0, pins.length - 1), 1)[0]!;
      releaseUserPages(w.core, pin.pfns, { longterm: pin.longterm });
      pinCounts.released++;
    } else {
      const area = pick(model.get(p)!);
      if (!area) return;
      const vpn = area.vpn + rng.int(0, area.pages - 1);
      const span = rng.int(1, area.vpn + area.pages - vpn);
      if (op === 2 || op === 3) {
        begin('write');
        const b = rng.int(0, 255);
        const r = writeBytes(w.core, p, w.va(vpn), new Uint8Array([b]));
        if (r === Errno.OK) area.data.set(vpn, b);
        else expectErrno('write', r, [area.write ? Errno.ENOMEM : Errno.EFAULT]);
      } else if (op === 4) {
        const d = deviceOf(rng.chance(0.5) ? 'public' : 'private');
        if (!d) return;
        begin(d.kind === 'public' ? 'migrate-to-public' : 'migrate-to-private');
        const before = w.core.stats.migratedPages;
        d.driver.migrateToDevice(p.pid, area.vpn, area.pages);
        migratedPages[d.kind] += w.core.stats.migratedPages - before;
      } else if (op === 5) {
        begin('migrate-to-ram');
        migrateToRam(w.core, p, area.vpn, area.vpn + area.pages);
      } else if (op === 6) {
        if (model.size >= maxProcs) return;
        begin('fork');
        const c = forkProcess(w.core, p);
        model.set(c, model.get(p)!.map((a) => ({ ...a, data: new Map(a.data) })));
      } else if (op === 7) {
        if (rng.chance(0.5)) {
          begin('munmap');
          munmap(w.core, p, area.vpn, area.pages);
          model.get(p)!.splice(model.get(p)!.indexOf(area), 1);
        } else {
          begin('exit');
          exitProcess(w.core, p);
          model.delete(p);
        }
      } else if (op === 8) {
        begin('mprotect');
        expectOk('mprotect', mprotect(w.core, p, area.vpn, area.pages, !area.write));
        area.write = !area.write;
      } else if (op === 9) {
        begin('madvise-dontneed');
        expectOk('madvise-dontneed', madvise(w.core, p, vpn, span, 'dontneed'));
        for (let v = vpn; v < vpn + span; v++) area.data.set(v, 0);
      } else if (op === 10) {
        begin('madvise-free');
        expectOk('madvise-free', madvise(w.core, p, vpn, span, 'free'));
        for (let v = vpn; v < vpn + span; v++) area.data.delete(v); // old value or zeroes, depending on reclaim
        if (rng.chance(0.5)) reclaimLazyFree(w.core, p.cpuNode);
      } else if (op === 13) {
        const longterm = rng.chance(0.5);
        const kind: MmStressOp = longterm ? 'pin-longterm' : 'pin-short';
        begin(kind);
        const r = getUserPages(w.core, p, vpn, span, { longterm, write: area.write && rng.chance(0.5) });
        if (Array.isArray(r)) {
          pins.push({ pfns: r, longterm });
          if (longterm) pinCounts.longTerm++;
          else pinCounts.shortTerm++;
          pinCounts.pages += r.length;
        } else expectErrno(kind, r, [Errno.ENOMEM, Errno.EBUSY]);
      } else throw new CdmsimError(`mm stress: no operation ${op}`);
    }
  };

  const message = (e: unknown): string => {
    const m = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return m.includes(`seed ${seed}`) ? m : `${m} (seed ${seed})`;
  };
  try {
    for (let step = 0; step < steps; step++) {
      begin('noop');
      stepsRun = step + 1;
      const before = w.core.stats.migratedPages;
      const op = doStep();
      operations[op]++;
      if (op !== 'migrate-to-public' && op !== 'migrate-to-private') migratedPages.ram += w.core.stats.migratedPages - before;
      sabotage();
      const beforeChecks = w.core.stats.migratedPages;
      checkInvariants(w.core, seed);
      checkData(step);
      migratedPages.ram += w.core.stats.migratedPages - beforeChecks;
      notePeak();
    }
    current = 'release-all';
    for (const pin of pins) releaseUserPages(w.core, pin.pfns, { longterm: pin.longterm });
    for (const q of model.keys()) exitProcess(w.core, q);
    model.clear();
    checkAllReleased(w.core, seed);
  } catch (e) {
    failure = { step: current === 'release-all' ? steps : stepsRun - 1, op: current, message: message(e) };
  }
  const s = w.core.stats;
  return {
    ok: failure === undefined,
    seed,
    steps: stepsRun,
    replay: mmStressReplayCommand(seed, steps),
    ...(failure ? { failure } : {}),
    operations,
    expectedErrors,
    migratedPages,
    skippedMigrations: s.skippedMigrations,
    faults: s.faults,
    cowCopies: s.cowCopies,
    lazyFreed: s.lazyFreed,
    pins: pinCounts,
    oomKills: s.oomKills,
    peakPagesInUse: peak,
  };
}
