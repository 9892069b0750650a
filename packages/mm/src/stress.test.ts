import { Rng } from '@cdmsim/engine';
import { describe, expect, it } from 'vitest';
import type { Process } from './address-space.js';
import { munmap } from './address-space.js';
import { readBytes, writeBytes } from './access.js';
import { Errno } from './errno.js';
import { forkProcess } from './fork.js';
import { getUserPages, releaseUserPages } from './gup.js';
import { checkAllReleased, checkInvariants } from './invariants.js';
import { madvise } from './madvise.js';
import { ROOT_MEMCG, type MemcgId } from './memcg.js';
import { memcgMoveTask } from './memcg-move.js';
import { migrateToRam } from './migrate-vma.js';
import { mprotect } from './mprotect.js';
import { reclaimLazyFree } from './reclaim.js';
import { exitProcess } from './zap.js';
import { makeWorld, mustMmap } from './world-fixture.js';

/** Expected first byte of each page whose content is known, per process area; `write` mirrors the VMA permission. */
interface Area {
  vpn: number;
  pages: number;
  write: boolean;
  data: Map<number, number>;
}
type Model = Map<Process, Area[]>;

/** Outstanding GUP references. */
interface Pin {
  readonly pfns: number[];
  readonly longterm: boolean;
}

function runSeed(seed: number, steps: number): void {
  const rng = new Rng(seed);
  const w = makeWorld({ cpus: [256, 256], devices: [{ kind: 'public', pages: 48 }, { kind: 'private', pages: 48 }] });
  const memcgs: MemcgId[] = [ROOT_MEMCG, w.core.memcgs.create('a').id, w.core.memcgs.create('b', 96).id];
  const model: Model = new Map();
  const pins: Pin[] = [];
  const pick = <T>(xs: readonly T[]): T | undefined => (xs.length ? xs[rng.int(0, xs.length - 1)] : undefined);
  for (let step = 0; step < steps; step++) {
    const procs = [...model.keys()];
    const p = pick(procs);
    const op = rng.int(0, 13);
    if (!p || op === 0) {
      if (model.size < 4) model.set(w.spawn(rng.int(0, 1), pick(memcgs)), []);
    } else if (op === 1) {
      const pages = rng.int(1, 6);
      model.get(p)!.push({ vpn: mustMmap(w, p, { pages, kind: 'anon' }), pages, write: true, data: new Map() });
    } else if (op === 11) {
      for (const node of w.cpus) reclaimLazyFree(w.core, node);
    } else if (op === 12) {
      const r = memcgMoveTask(w.core, p, pick(memcgs)!);
      if (typeof r !== 'object') expect(r).toBe(Errno.ENOMEM);
    } else if (op === 13 && pins.length && rng.chance(0.5)) {
      const pin = pins.splice(rng.int(0, pins.length - 1), 1)[0]!;
      releaseUserPages(w.core, pin.pfns, { longterm: pin.longterm });
    } else {
      const area = pick(model.get(p)!);
      if (!area) continue;
      const vpn = area.vpn + rng.int(0, area.pages - 1);
      const span = rng.int(1, area.vpn + area.pages - vpn);
      if (op === 2 || op === 3) {
        const b = rng.int(0, 255);
        const r = writeBytes(w.core, p, w.va(vpn), new Uint8Array([b]));
        if (r === Errno.OK) area.data.set(vpn, b);
        else expect(r).toBe(area.write ? Errno.ENOMEM : Errno.EFAULT);
      } else if (op === 4) {
        const d = rng.chance(0.5) ? w.device('public') : w.device('private');
        d.driver.migrateToDevice(p.pid, area.vpn, area.pages);
      } else if (op === 5) {
        migrateToRam(w.core, p, area.vpn, area.vpn + area.pages);
      } else if (op === 6 && model.size < 4) {
        const c = forkProcess(w.core, p);
        model.set(c, model.get(p)!.map((a) => ({ ...a, data: new Map(a.data) })));
      } else if (op === 7) {
        if (rng.chance(0.5)) {
          munmap(w.core, p, area.vpn, area.pages);
          model.get(p)!.splice(model.get(p)!.indexOf(area), 1);
        } else {
          exitProcess(w.core, p);
          model.delete(p);
        }
      } else if (op === 8) {
        expect(mprotect(w.core, p, area.vpn, area.pages, !area.write)).toBe(Errno.OK);
        area.write = !area.write;
      } else if (op === 9) {
        expect(madvise(w.core, p, vpn, span, 'dontneed')).toBe(Errno.OK);
        for (let v = vpn; v < vpn + span; v++) area.data.set(v, 0);
      } else if (op === 10) {
        expect(madvise(w.core, p, vpn, span, 'free')).toBe(Errno.OK);
        for (let v = vpn; v < vpn + span; v++) area.data.delete(v); // old value or zeroes, depending on reclaim
        if (rng.chance(0.5)) reclaimLazyFree(w.core, p.cpuNode);
      } else if (op === 13) {
        const longterm = rng.chance(0.5);
        const r = getUserPages(w.core, p, vpn, span, { longterm, write: area.write && rng.chance(0.5) });
        if (Array.isArray(r)) pins.push({ pfns: r, longterm });
        else expect([Errno.ENOMEM, Errno.EBUSY]).toContain(r);
      }
    }
    checkInvariants(w.core, seed);
    for (const [q, areas] of model) {
      for (const a of areas) {
        for (const [vpn, b] of a.data) {
          const r = readBytes(w.core, q, w.va(vpn), 1);
          if (!(r instanceof Uint8Array)) throw new Error(`seed ${seed} step ${step}: read pid ${q.pid} vpn ${vpn} failed ${Errno[r]}`);
          expect(r[0], `seed ${seed} step ${step} pid ${q.pid} vpn ${vpn}`).toBe(b);
        }
      }
    }
  }
  for (const pin of pins) releaseUserPages(w.core, pin.pfns, { longterm: pin.longterm });
  for (const q of model.keys()) exitProcess(w.core, q);
  checkAllReleased(w.core, seed);
}

describe('stress (seeded, single-threaded)', () => {
  it('stress: random mmap/write/fork/munmap/exit/migrations/mprotect/madvise/memcg moves/gup pins keep data and invariants', () => {
    for (const seed of [1, 2, 3, 4, 5]) runSeed(seed, 300);
  });
});
