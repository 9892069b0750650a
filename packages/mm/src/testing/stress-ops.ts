/**
 * The mm-stress operation mix: one table of weighted operations, written
 * once against `MmStressHost` and run by both the in-process stress
 * (`runMmStress`) and the stress on node workers (`MmStressCpu` in
 * @cdmsim/workloads). Row order and weights fix the draw: the worker
 * stress's results depend on them, so changing a row changes every seed.
 */
import { mmap, munmap } from '../address-space.js';
import { Errno, isErrPtr, ptrErr } from '../errno.js';
import { forkProcess } from '../fork.js';
import { releaseUserPages } from '../gup.js';
import { madvise } from '../madvise.js';
import { memcgMoveTask } from '../memcg-move.js';
import { mprotect } from '../mprotect.js';
import { reclaimLazyFree } from '../reclaim.js';
import { exitProcess } from '../zap.js';
import { expectErrno, pick, pickIndex, type MmStressDevice, type MmStressHost, type MmStressOp, type MmStressRange } from './stress-host.js';
import { defineMmStressTable, type MmStressTable } from './stress-table.js';

/** Most pages of one anonymous mmap of the stress. */
const MAX_MMAP_PAGES = 6;

/** The operation a migration to each kind of device memory counts as. */
const MIGRATE_TO: Readonly<Record<MmStressDevice['kind'], MmStressOp>> = { public: 'migrate-to-public', private: 'migrate-to-private' };

/** A 1-byte store to the range's first page; the byte becomes its expected value (ENOMEM under a memcg limit, EFAULT on a read-only VMA). */
function write(h: MmStressHost, t: MmStressRange, done: () => void): void {
  h.begin('write');
  const byte = h.rng.int(0, 255);
  h.store(t.proc, t.vpn, byte, (r) => {
    if (r === Errno.OK) t.area.data.set(t.vpn, byte);
    else expectErrno(h, 'write', r, [t.area.write ? Errno.ENOMEM : Errno.EFAULT]);
    done();
  });
}

/** The table every mm-stress runner draws from. */
export const MM_STRESS_TABLE: MmStressTable = defineMmStressTable({
  name: 'mm operations',
  withoutProcess: 'spawn',
  withoutArea: 'mmap',
  rows: [
    {
      name: 'spawn',
      ops: ['spawn'],
      weight: 1,
      acts: 'nothing',
      description: 'start a process in a random memcg, unless the process limit is reached',
      run: (h, _t, done) => {
        if (h.areas.size < h.maxProcesses) {
          h.begin('spawn');
          h.areas.set(h.spawn(pick(h.rng, h.memcgs)), []);
        }
        done();
      },
    },
    {
      name: 'mmap',
      ops: ['mmap'],
      weight: 1,
      acts: 'process',
      description: `map 1..${MAX_MMAP_PAGES} writable anonymous pages`,
      run: (h, t, done) => {
        h.begin('mmap');
        const pages = h.rng.int(1, MAX_MMAP_PAGES);
        const vpn = mmap(h.core, t.proc, { pages, kind: 'anon' });
        if (isErrPtr(vpn)) return h.fail(`mmap of ${pages} pages failed: ${Errno[ptrErr(vpn)]}`);
        t.areas.push({ vpn, pages, write: true, data: new Map() });
        done();
      },
    },
    { name: 'write', ops: ['write'], weight: 1, acts: 'range', description: 'store a random byte to the first page of the range', run: write },
    {
      name: 'load-or-write',
      ops: ['write'],
      weight: 1,
      acts: 'range',
      description: 'with a CPU cache, half the time load the first page’s word through it (checked against the last write, counted as a cached read); otherwise as `write`',
      run: (h, t, done) => (h.load && h.rng.chance(0.5) ? h.load(t, done) : write(h, t, done)),
    },
    {
      name: 'migrate-to-device',
      ops: ['migrate-to-public', 'migrate-to-private'],
      weight: 1,
      acts: 'range',
      description: 'migrate the whole area to a random device memory (partial migration is normal)',
      run: (h, t, done) => {
        const device = pickIndex(h.rng, h.devices);
        const d = device === undefined ? undefined : h.devices[device];
        if (device === undefined || !d) return done();
        const op = MIGRATE_TO[d.kind];
        h.begin(op);
        h.migrateToDevice(t.proc, t.area.vpn, t.area.vpn + t.area.pages, device, (r) => {
          if (typeof r !== 'object') expectErrno(h, op, r, []);
          done();
        });
      },
    },
    {
      name: 'migrate-to-ram',
      ops: ['migrate-to-ram'],
      weight: 1,
      acts: 'range',
      description: 'migrate the device pages of the whole area back to RAM',
      run: (h, t, done) => {
        h.begin('migrate-to-ram');
        h.migrateToRam(t.proc, t.area.vpn, t.area.vpn + t.area.pages, (r) => {
          if (typeof r !== 'object') expectErrno(h, 'migrate-to-ram', r, []);
          done();
        });
      },
    },
    {
      name: 'fork',
      ops: ['fork'],
      weight: 1,
      acts: 'range',
      description: 'fork the process (the child expects the parent’s data), unless the process limit is reached',
      run: (h, t, done) => {
        if (h.areas.size >= h.maxProcesses) return done();
        h.begin('fork');
        h.areas.set(
          forkProcess(h.core, t.proc),
          t.areas.map((a) => ({ ...a, data: new Map(a.data) })),
        );
        done();
      },
    },
    {
      name: 'munmap-or-exit',
      ops: ['munmap', 'exit'],
      weight: 1,
      acts: 'range',
      description: 'half the time unmap the whole area, otherwise exit the process',
      run: (h, t, done) => {
        if (h.rng.chance(0.5)) {
          h.begin('munmap');
          expectErrno(h, 'munmap', munmap(h.core, t.proc, t.area.vpn, t.area.pages), []);
          t.areas.splice(t.areas.indexOf(t.area), 1);
        } else {
          h.begin('exit');
          exitProcess(h.core, t.proc);
          h.areas.delete(t.proc);
        }
        done();
      },
    },
    {
      name: 'mprotect',
      ops: ['mprotect'],
      weight: 1,
      acts: 'range',
      description: 'flip the whole area between writable and read-only',
      run: (h, t, done) => {
        h.begin('mprotect');
        expectErrno(h, 'mprotect', mprotect(h.core, t.proc, t.area.vpn, t.area.pages, !t.area.write), []);
        t.area.write = !t.area.write;
        done();
      },
    },
    {
      name: 'madvise-dontneed',
      ops: ['madvise-dontneed'],
      weight: 1,
      acts: 'range',
      description: 'MADV_DONTNEED the range (it then reads zeroes)',
      run: (h, t, done) => {
        h.begin('madvise-dontneed');
        expectErrno(h, 'madvise-dontneed', madvise(h.core, t.proc, t.vpn, t.pages, 'dontneed'), []);
        for (let v = t.vpn; v < t.vpn + t.pages; v++) t.area.data.set(v, 0);
        done();
      },
    },
    {
      name: 'madvise-free',
      ops: ['madvise-free'],
      weight: 1,
      acts: 'range',
      description: 'MADV_FREE the range (old value or zeroes, depending on reclaim); half the time reclaim the node’s lazy-free pages at once',
      run: (h, t, done) => {
        h.begin('madvise-free');
        expectErrno(h, 'madvise-free', madvise(h.core, t.proc, t.vpn, t.pages, 'free'), []);
        for (let v = t.vpn; v < t.vpn + t.pages; v++) t.area.data.delete(v);
        if (h.rng.chance(0.5)) reclaimLazyFree(h.core, t.proc.cpuNode);
        done();
      },
    },
    {
      name: 'reclaim',
      ops: ['reclaim'],
      weight: 1,
      acts: 'process',
      description: 'reclaim the lazy-free pages of the process’s CPU node',
      run: (h, t, done) => {
        h.begin('reclaim');
        reclaimLazyFree(h.core, t.proc.cpuNode);
        done();
      },
    },
    {
      name: 'memcg-move',
      ops: ['memcg-move'],
      weight: 1,
      acts: 'process',
      description: 'move the process to a random memcg with its charges (ENOMEM when the target’s limit refuses them)',
      run: (h, t, done) => {
        h.begin('memcg-move');
        const to = pick(h.rng, h.memcgs);
        if (to === undefined) return h.fail('memcg-move: the host offers no memcg');
        const r = memcgMoveTask(h.core, t.proc, to);
        if (typeof r !== 'object') expectErrno(h, 'memcg-move', r, [Errno.ENOMEM]);
        done();
      },
    },
    {
      name: 'pin',
      ops: ['pin-short', 'pin-longterm'],
      weight: 1,
      acts: 'range',
      instead: { row: 'unpin', when: (h) => h.pins.length > 0 && h.rng.chance(0.5), description: 'half the time when pins are held' },
      description: 'GUP the range, short- or long-term, for reading or (on a writable area, half the time) writing (ENOMEM, EBUSY expected)',
      run: (h, t, done) => {
        const longterm = h.rng.chance(0.5);
        const writeAccess = t.area.write && h.rng.chance(0.5);
        const op: MmStressOp = longterm ? 'pin-longterm' : 'pin-short';
        h.begin(op);
        h.pin(t.proc, t.vpn, t.pages, { longterm, write: writeAccess }, (r) => {
          if (Array.isArray(r)) {
            h.pins.push({ pfns: r, longterm });
            h.pinCounts[longterm ? 'longTerm' : 'shortTerm']++;
            h.pinCounts.pages += r.length;
          } else expectErrno(h, op, r, [Errno.ENOMEM, Errno.EBUSY]);
          done();
        });
      },
    },
    {
      name: 'unpin',
      ops: ['unpin'],
      weight: 0,
      acts: 'nothing',
      description: 'release a random outstanding pin',
      run: (h, _t, done) => {
        h.begin('unpin');
        const [pin] = h.pins.splice(h.rng.int(0, h.pins.length - 1), 1);
        if (!pin) return h.fail('unpin with no pin held');
        releaseUserPages(h.core, pin.pfns, { longterm: pin.longterm });
        h.pinCounts.released++;
        done();
      },
    },
  ],
});
