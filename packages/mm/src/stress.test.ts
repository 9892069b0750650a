import { Rng } from '@cdmsim/engine';
import { describe, expect, it } from 'vitest';
import type { Process } from './address-space.js';
import { munmap } from './address-space.js';
import { readBytes, writeBytes } from './access.js';
import { Errno } from './errno.js';
import { forkProcess } from './fork.js';
import { checkAllReleased, checkInvariants } from './invariants.js';
import { migrateToRam } from './migrate-vma.js';
import { exitProcess } from './zap.js';
import { makeWorld, mustMmap } from './world-fixture.js';

/** Expected first byte of each written page, per process. */
type Model = Map<Process, { vpn: number; pages: number; data: Map<number, number> }[]>;

function runSeed(seed: number, steps: number): void {
  const rng = new Rng(seed);
  const w = makeWorld({ cpus: [256, 256], devices: [{ kind: 'public', pages: 48 }, { kind: 'private', pages: 48 }] });
  const model: Model = new Map();
  const pick = <T>(xs: readonly T[]): T | undefined => (xs.length ? xs[rng.int(0, xs.length - 1)] : undefined);
  for (let step = 0; step < steps; step++) {
    const procs = [...model.keys()];
    const p = pick(procs);
    const op = rng.int(0, 7);
    if (!p || op === 0) {
      if (model.size < 4) model.set(w.spawn(rng.int(0, 1)), []);
    } else if (op === 1) {
      const pages = rng.int(1, 6);
      model.get(p)!.push({ vpn: mustMmap(w, p, { pages, kind: 'anon' }), pages, data: new Map() });
    } else {
      const area = pick(model.get(p)!);
      if (!area) continue;
      const vpn = area.vpn + rng.int(0, area.pages - 1);
      if (op === 2 || op === 3) {
        const b = rng.int(0, 255);
        const r = writeBytes(w.core, p, w.va(vpn), new Uint8Array([b]));
        if (r === Errno.OK) area.data.set(vpn, b);
        else expect(r).toBe(Errno.ENOMEM);
      } else if (op === 4) {
        const d = rng.chance(0.5) ? w.device('public') : w.device('private');
        d.driver.migrateToDevice(p.pid, area.vpn, area.pages);
      } else if (op === 5) {
        migrateToRam(w.core, p, area.vpn, area.vpn + area.pages);
      } else if (op === 6 && model.size < 4) {
        const c = forkProcess(w.core, p);
        model.set(c, model.get(p)!.map((a) => ({ ...a, data: new Map(a.data) })));
      } else if (rng.chance(0.5)) {
        munmap(w.core, p, area.vpn, area.pages);
        model.get(p)!.splice(model.get(p)!.indexOf(area), 1);
      } else {
        exitProcess(w.core, p);
        model.delete(p);
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
  for (const q of model.keys()) exitProcess(w.core, q);
  checkAllReleased(w.core, seed);
}

describe('stress (seeded, single-threaded)', () => {
  it('stress: random mmap/write/fork/munmap/exit/migrations keep data and invariants', () => {
    for (const seed of [1, 2, 3, 4]) runSeed(seed, 250);
  });
});
