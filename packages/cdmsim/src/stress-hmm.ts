/**
 * `cdmsim stress hmm`: a seeded page-migration oracle on the real
 * simulator. Processes on the CPU node and both test devices (one
 * device-private, one coherent by default) read and write a buffer per
 * process while pages migrate both ways, drivers evict under memory
 * pressure, devices release their memory, and processes fork, unmap and
 * exit. Every step is a batch of concurrent commands (`HmmSession.all`);
 * the oracle knows the value of every page (the last write, or zeros), so
 * every read and every migration's read-back is checked against what the
 * model says it must see. Concurrent commands of a step never read a page
 * another one writes, but migrations, releases, evictions, snapshots and
 * exclusive takes race with everything. A failure names the step, the command and the page,
 * and prints the command that replays it.
 */
import Table from 'cli-table3';
import { formatPs, InvariantViolation, Rng, toErrorData } from '@cdmsim/engine';
import type { RunMode } from '@cdmsim/runtime';
import { sessionConfig, type CpuResult, type DeviceResult, type DmirrorFlavour, type SessionOutcome, type SessionSabotageName } from '@cdmsim/workloads';
import { DmirrorProt } from '@cdmsim/platform';
import { HmmSession, type SessionCall, type SessionProcess, type TestDevice } from './hmm-session.js';
import { checkEngine, engineFlags, engineOf, seedsSummary, type SeedEngine, type SeedReport } from './simulator-seeds.js';

/** Pages of each process's buffer. */
const BUFFER_PAGES = 32;
/** Live processes at most (forks stop there). */
const MAX_PROCESSES = 4;
/** Pages each driver registers: less than the buffers together, so migrations meet full devices and drivers evict. */
const DEVICE_PAGES = 48;
/** A driver evicts when fewer than this many of its pages are free. */
const EVICT_BELOW_FREE_PAGES = 8;
/** Commands per step at most. */
const MAX_COMMANDS_PER_STEP = 4;

const EFAULT = 14;
const ENOENT = 2;
const EINVAL = 22;
const EBUSY = 16;

/** Options of an HMM stress. */
export interface HmmStressOptions extends SeedEngine {
  readonly seeds: readonly number[];
  /** Steps per seed. */
  readonly ops: number;
  /** The devices' memory (default `mixed`: gpu0 device-private, gpu1 coherent). */
  readonly flavour?: DmirrorFlavour;
  readonly onSeed?: (ok: boolean) => void;
  /** TEST ONLY: a rule the run breaks, so tests can check the checks fail. */
  readonly sabotage?: SessionSabotageName;
  /** Called with a line per step (its number and commands) before the step runs: `--trace`. */
  readonly trace?: (line: string) => void;
}

/** What one seed did. */
export interface HmmStressReport extends SeedReport {
  readonly steps: number;
  readonly commands: number;
  /** Pages whose data a read or a migration's read-back checked against the oracle. */
  readonly pagesChecked: number;
  readonly pagesToDevice: number;
  readonly pagesToSystem: number;
  readonly evicted: number;
  readonly invalidations: number;
  readonly forks: number;
}

/** The oracle's view of one process: its buffer and the version of each page (0 = never written: zeros; -1 = unmapped). */
interface Tracked {
  readonly proc: SessionProcess;
  readonly va: number;
  /** Whose writes this buffer holds (a child inherits its parent's): part of every written pattern. */
  readonly tag: number;
  readonly versions: number[];
}

/** The pages of one step's commands (keys `pid:page`): read or written by a data command, touched by any command, unmapped by one. */
interface StepPages {
  readonly busy: Map<string, 'read' | 'write'>;
  readonly touched: Set<string>;
  readonly gone: Set<string>;
}

/** One planned command: its call, the pages it reads or writes, and how its result is checked. */
interface Planned {
  readonly what: string;
  readonly call: SessionCall<CpuResult | DeviceResult>;
  /** Applied to the oracle after the step, and checks the result against the oracle as it was before the step. */
  readonly check: (result: CpuResult | DeviceResult, failAt: (message: string) => never) => void;
}

/** The bytes of page `page` of a buffer tagged `tag` after write `version` (zeros for version 0). */
function pattern(pageSize: number, tag: number, page: number, version: number): Uint8Array {
  const bytes = new Uint8Array(pageSize);
  if (version === 0) return bytes;
  const view = new DataView(bytes.buffer);
  let x = (tag * 0x9e3779b1) ^ (page * 0x85ebca6b) ^ (version * 0xc2b2ae35);
  for (let i = 0; i < pageSize / 4; i++) {
    x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) ^ i;
    view.setUint32(i * 4, x >>> 0, true);
  }
  return bytes;
}

/** Returns where `got` (page `page` of a read) first differs from `want`, for the failure message; undefined when equal. */
function difference(got: Uint8Array, want: Uint8Array): string | undefined {
  for (let i = 0; i < want.length; i += 4) {
    if (got[i] !== want[i] || got[i + 1] !== want[i + 1] || got[i + 2] !== want[i + 2] || got[i + 3] !== want[i + 3]) {
      const word = (b: Uint8Array): string => new DataView(b.buffer, b.byteOffset + i, 4).getUint32(0, true).toString(16);
      return `word ${i / 4} is ${word(got)}, expected ${word(want)}`;
    }
  }
  return undefined;
}

/** One seed's run: the session, the oracle and the step generator. */
class HmmStressRun {
  readonly #rng: Rng;
  readonly #s: HmmSession;
  readonly #devices: readonly TestDevice[];
  readonly #procs: Tracked[] = [];
  readonly #pageSize: number;
  #tags = 0;
  #step = 0;
  commands = 0;
  pagesChecked = 0;
  forks = 0;

  readonly #trace: ((line: string) => void) | undefined;

  constructor(seed: number, s: HmmSession, trace?: (line: string) => void) {
    this.#trace = trace;
    this.#rng = new Rng(seed, 0x686d6d);
    this.#s = s;
    this.#pageSize = s.pageSize;
    this.#devices = s.simulation.config.topology.devices.map((d) => s.device(d.name));
  }

  async start(): Promise<void> {
    await this.#spawn();
  }

  async #spawn(): Promise<void> {
    const proc = await this.#s.spawn();
    const m = await proc.mmap(BUFFER_PAGES * this.#pageSize);
    if (m.errno !== 0) throw new InvariantViolation(`stress hmm: mmap of a fresh process failed with errno ${m.errno}`);
    this.#procs.push({ proc, va: m.va!, tag: ++this.#tags, versions: new Array<number>(BUFFER_PAGES).fill(0) });
  }

  /** Runs one step: a batch of non-conflicting commands, issued together; checks every result. */
  async step(): Promise<void> {
    this.#step++;
    const rng = this.#rng;
    if (rng.chance(0.04) && this.#procs.length < MAX_PROCESSES) return this.#fork();
    if (rng.chance(0.03) && this.#procs.length > 1) return this.#exit();
    const planned: Planned[] = [];
    const step: StepPages = { busy: new Map(), touched: new Set(), gone: new Set() };
    const applied: (() => void)[] = [];
    const n = rng.int(1, MAX_COMMANDS_PER_STEP);
    for (let i = 0; i < n * 3 && planned.length < n; i++) {
      const p = this.#plan(step, applied);
      if (p) planned.push(p);
    }
    this.#trace?.(`step ${this.#step}: ${planned.map((p) => p.what).join(' | ')}`);
    const results = await this.#s.all(planned.map((p) => p.call));
    this.commands += planned.length;
    planned.forEach((p, i) =>
      p.check(results[i]!, (message) => {
        throw new InvariantViolation(`stress hmm, step ${this.#step}, ${p.what}: ${message}`);
      }),
    );
    for (const apply of applied) apply();
  }

  /** Picks a command whose pages do not conflict with the step's others (`step`); registers its pages and the oracle update (`applied`). Undefined when the pick conflicted. */
  #plan(step: StepPages, applied: (() => void)[]): Planned | undefined {
    const { busy, touched, gone: goneThisStep } = step;
    const rng = this.#rng;
    const t = this.#procs[rng.int(0, this.#procs.length - 1)]!;
    const dev = this.#devices[rng.int(0, this.#devices.length - 1)]!;
    const npages = rng.int(1, 6);
    const first = rng.int(0, BUFFER_PAGES - npages);
    const pages = Array.from({ length: npages }, (_, i) => first + i);
    const va = t.va + first * this.#pageSize;
    const key = (page: number): string => `${t.proc.pid}:${page}`;
    // Pages unmapped in this step are not touched by any other of its commands.
    if (pages.some((p) => goneThisStep.has(key(p)))) return undefined;
    const claim = (how: 'read' | 'write'): boolean => {
      if (pages.some((p) => busy.get(key(p)) === 'write' || (how === 'write' && busy.has(key(p))))) return false;
      for (const p of pages) busy.set(key(p), how);
      return true;
    };
    const unmapped = pages.some((p) => t.versions[p] === -1);
    const touchedBefore = new Set(pages.filter((p) => touched.has(key(p))));
    for (const p of pages) touched.add(key(p));
    const before = pages.map((p) => t.versions[p]!);
    const where = `pid ${t.proc.pid} pages ${first}..${first + npages - 1}`;
    const expectErrno = (got: number, want: number, fail: (m: string) => never): void => {
      if (got !== want) fail(`errno ${got}, expected ${want}${unmapped ? ' (the range has unmapped pages)' : ''}`);
    };
    /** Checks the data of a read of `pages` (skipping pages another command of the step writes). */
    const checkData = (data: Uint8Array | undefined, fail: (m: string) => never): void => {
      pages.forEach((page, i) => {
        if (busy.get(key(page)) === 'write') return;
        const got = data?.subarray(i * this.#pageSize, (i + 1) * this.#pageSize) ?? new Uint8Array(0);
        const d = got.length === this.#pageSize ? difference(got, pattern(this.#pageSize, t.tag, page, before[i]!)) : 'no data';
        if (d) fail(`page ${page} (version ${before[i]}) read wrong: ${d}`);
        this.pagesChecked++;
      });
    };
    const write = (): Uint8Array => {
      const data = new Uint8Array(npages * this.#pageSize);
      const versions = pages.map((p) => Math.max(0, t.versions[p]!) + 1);
      pages.forEach((page, i) => data.set(pattern(this.#pageSize, t.tag, page, versions[i]!), i * this.#pageSize));
      applied.push(() => pages.forEach((page, i) => (t.versions[page] = versions[i]!)));
      return data;
    };
    const roll = rng.int(0, 99);
    if (roll < 18) {
      if (!claim('read')) return undefined;
      return { what: `device ${dev.node} read of ${where}`, call: dev.call('read', t.proc, va, npages), check: (r, fail) => (expectErrno(r.errno, unmapped ? EFAULT : 0, fail), unmapped || checkData(r.data, fail)) };
    }
    if (roll < 32) {
      if (unmapped || !claim('write')) return undefined;
      return { what: `device ${dev.node} write of ${where}`, call: dev.call('write', t.proc, va, npages, write()), check: (r, fail) => expectErrno(r.errno, 0, fail) };
    }
    if (roll < 46) {
      if (!claim('read')) return undefined;
      return { what: `CPU read of ${where}`, call: t.proc.calls.read(va, npages * this.#pageSize), check: (r, fail) => (expectErrno(r.errno, unmapped ? EFAULT : 0, fail), unmapped || checkData((r as CpuResult).data, fail)) };
    }
    if (roll < 58) {
      if (unmapped || !claim('write')) return undefined;
      return { what: `CPU write of ${where}`, call: t.proc.calls.write(va, write()), check: (r, fail) => expectErrno(r.errno, 0, fail) };
    }
    if (roll < 72) {
      // Races with the step's reads and writes of the range: the read-back is checked only for pages nobody writes.
      return {
        what: `migration of ${where} to device ${dev.node}`,
        call: dev.call('migrateToDevice', t.proc, va, npages),
        check: (r, fail) => {
          if (unmapped) return expectErrno(r.errno, EINVAL, fail);
          if (r.errno !== 0 && r.errno !== ENOENT) fail(`errno ${r.errno}, expected 0 or ENOENT (a page that could not move)`);
          if (r.errno === 0) checkData(r.data, fail);
        },
      };
    }
    if (roll < 82) {
      return { what: `migration of ${where} from device ${dev.node} to system memory`, call: dev.call('migrateToSystem', t.proc, va, npages), check: (r, fail) => expectErrno(r.errno, unmapped ? EINVAL : 0, fail) };
    }
    if (roll < 86) {
      return {
        what: `snapshot of ${where} by device ${dev.node}`,
        call: dev.call('snapshot', t.proc, va, npages),
        check: (r, fail) => {
          expectErrno(r.errno, 0, fail);
          pages.forEach((page, i) => {
            const b = (r as DeviceResult).data?.[i];
            if ((b === DmirrorProt.ERROR) !== (before[i] === -1)) fail(`page ${page} snapshot byte ${b} for a page that is ${before[i] === -1 ? 'unmapped' : 'mapped'}`);
          });
        },
      };
    }
    if (roll < 90) {
      // make_device_exclusive reads the range back; a page in coherent device memory cannot be exclusive (EBUSY).
      if (!claim('read')) return undefined;
      return {
        what: `exclusive of ${where} by device ${dev.node}`,
        call: dev.call('exclusive', t.proc, va, npages),
        check: (r, fail) => {
          // Pages are taken in order: the first that fails names the errno (an unmapped one EFAULT, a coherent one before it EBUSY).
          if (unmapped) return void (r.errno !== EFAULT && r.errno !== EBUSY && fail(`errno ${r.errno}, expected EFAULT (the range has unmapped pages) or EBUSY`));
          if (r.errno !== 0 && r.errno !== EBUSY) fail(`errno ${r.errno}, expected 0 or EBUSY (a page in coherent device memory)`);
          if (r.errno === 0) checkData(r.data, fail);
        },
      };
    }
    if (roll < 93) return { what: `release of device ${dev.node}`, call: dev.wide('release'), check: (r, fail) => expectErrno(r.errno, 0, fail) };
    if (roll < 97) {
      const longterm = rng.chance(0.5);
      return {
        what: `${longterm ? 'long-term pin' : 'GUP'} of ${where}`,
        call: t.proc.calls.gupTest(va, npages, { longterm }),
        check: (r, fail) => expectErrno(r.errno, unmapped ? EFAULT : 0, fail),
      };
    }
    // munmap of one or two pages: no other command of the step touches them.
    const gone = pages.slice(0, Math.min(2, npages));
    if (gone.some((p) => touchedBefore.has(p) || t.versions[p] === -1)) return undefined;
    for (const p of gone) goneThisStep.add(key(p));
    applied.push(() => gone.forEach((p) => (t.versions[p] = -1)));
    return { what: `munmap of pid ${t.proc.pid} pages ${gone.join(', ')}`, call: t.proc.calls.munmap(va, gone.length * this.#pageSize), check: (r, fail) => expectErrno(r.errno, 0, fail) };
  }

  /** A fork of a random process: the child inherits its buffer (same pages, same values, copy-on-write). */
  async #fork(): Promise<void> {
    const t = this.#procs[this.#rng.int(0, this.#procs.length - 1)]!;
    this.#trace?.(`step ${this.#step}: fork of pid ${t.proc.pid}`);
    const child = await t.proc.fork();
    this.forks++;
    this.commands++;
    this.#procs.push({ proc: child, va: t.va, tag: t.tag, versions: [...t.versions] });
  }

  /** A random process exits (never the last). */
  async #exit(): Promise<void> {
    const i = this.#rng.int(0, this.#procs.length - 1);
    const [t] = this.#procs.splice(i, 1);
    this.#trace?.(`step ${this.#step}: exit of pid ${t!.proc.pid}`);
    this.commands++;
    const r = await t!.proc.exit();
    if (r.errno !== 0) throw new InvariantViolation(`stress hmm, step ${this.#step}: exit of pid ${t!.proc.pid} failed with errno ${r.errno}`);
  }
}

/** Returns the command that replays one seed. */
export function hmmReplayCommand(o: HmmStressOptions, seed: number): string {
  return `npx cdmsim stress hmm --seed ${seed} ${engineFlags(o)} --ops ${o.ops}${o.flavour && o.flavour !== 'mixed' ? ` --flavour ${o.flavour}` : ''}${o.sabotage ? ` --test-only-sabotage ${o.sabotage}` : ''}`;
}

/** Runs the stress for every seed, in order; never throws for a failing seed (its report says why). */
export async function runHmmStress(o: HmmStressOptions): Promise<HmmStressReport[]> {
  const flavour = o.flavour ?? 'mixed';
  checkEngine(sessionConfig(flavour), o);
  const reports: HmmStressReport[] = [];
  for (const seed of o.seeds) {
    const base = sessionConfig(flavour);
    const config = { ...base, workload: { ...base.workload, devicePages: DEVICE_PAGES, evictBelowFreePages: EVICT_BELOW_FREE_PAGES, ...(o.sabotage ? { testOnlySabotage: o.sabotage } : {}) } };
    const replay = hmmReplayCommand(o, seed);
    const empty = { steps: 0, commands: 0, pagesChecked: 0, pagesToDevice: 0, pagesToSystem: 0, evicted: 0, invalidations: 0, forks: 0 };
    let s: HmmSession | undefined;
    let run: HmmStressRun | undefined;
    const t0 = performance.now();
    try {
      s = await HmmSession.start({ config, seed, ...engineOf(o) });
      run = new HmmStressRun(seed, s, o.trace);
      await run.start();
      for (let i = 0; i < o.ops; i++) await run.step();
      const r = await s.close();
      const w = r.workload as SessionOutcome;
      const evicted = r.nodes.reduce((sum, n) => sum + ((n.workload as { driver?: { evictedPages: number } } | undefined)?.driver?.evictedPages ?? 0), 0);
      reports.push({
        seed,
        ok: w.verified,
        simulatedPs: r.simTimePs,
        wallMs: performance.now() - t0,
        eventLogHash: r.eventLogHash,
        replay,
        steps: o.ops,
        commands: run.commands,
        pagesChecked: run.pagesChecked,
        pagesToDevice: w.pagesToDevice,
        pagesToSystem: w.pagesToSystem,
        evicted,
        invalidations: w.invalidations,
        forks: run.forks,
        ...(w.verified ? {} : { error: { name: 'CheckFailed', message: `${w.problems.join('; ')} (seed ${seed})` } }),
      });
    } catch (e) {
      await s?.stop();
      const data = toErrorData(e);
      const message = /\(seed \d+\)/.test(data.message) ? data.message : `${data.message} (seed ${seed})`;
      reports.push({ ...empty, commands: run?.commands ?? 0, seed, ok: false, simulatedPs: 0, wallMs: performance.now() - t0, eventLogHash: '', replay, error: { name: data.name, message } });
    }
    o.onSeed?.(reports.at(-1)!.ok);
  }
  return reports;
}

/** Returns the text printed for the reports: a table, a summary line, then each failure with its replay command. */
export function formatHmmStress(reports: readonly HmmStressReport[], mode: RunMode): string {
  const t = new Table({ head: ['seed', 'steps', 'commands', 'pages checked', 'pages to device / to RAM', 'evicted', 'invalidations', 'forks', 'simulated time', 'wall', 'event-log hash', 'result'] });
  for (const r of reports) {
    t.push([r.seed, r.steps, r.commands, r.pagesChecked, `${r.pagesToDevice} / ${r.pagesToSystem}`, r.evicted, r.invalidations, r.forks, formatPs(r.simulatedPs), `${(r.wallMs / 1000).toFixed(2)} s`, r.eventLogHash, r.ok ? 'ok' : 'FAILED']);
  }
  return `${t.toString()}\n${seedsSummary(reports, mode)}`;
}
