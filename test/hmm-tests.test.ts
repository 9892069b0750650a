/**
 * The kernel's HMM self-tests (tools/testing/selftests/mm/hmm-tests.c) on
 * the real simulator: the CPU node and both devices on their own worker
 * threads (deterministic mode), every command a step of an `HmmSession`,
 * every device command the test device's ioctl (lib/test_hmm.c, dmirror)
 * crossing the bus as range faults, migrations, invalidations and memory
 * accesses. Each scenario keeps the kernel's name and its assertions
 * (`cpages`, `faults`, errnos, the data and the snapshot bytes), in both
 * fixture variants: `hmm_device_private` / `hmm2_device_private` (HMM
 * device-private memory) and `hmm_device_coherent` /
 * `hmm2_device_coherent` (CDM: coherent, CPU-addressable device memory).
 * One session per variant serves every scenario; each scenario runs as its
 * own process, which exits at the end, and the session's outcome then
 * checks that no device still mirrors an exited process or holds its pages.
 *
 * Not ported: the THP and hugetlbfs scenarios (anon_write_huge,
 * anon_write_hugetlbfs, compound, migrate_anon_huge_*: no huge pages in
 * cdmsim) and mixedmap (a mapping of the device file itself, whose pages
 * the driver inserts with vm_insert_page: cdmsim's test device has no file
 * to map). The fail-allocation flag, which the kernel exercises only in the
 * THP scenarios, gets a scenario of its own on base pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DmirrorProt, HmmSession, type MmapOptions, type SessionProcess, type TestDevice } from 'cdmsim';

/** HMM_BUFFER_SIZE: 4 MiB, 1024 pages of 4 KiB. */
const HMM_BUFFER_SIZE = 1024 << 12;
/** NTIMES of the multi-round scenarios. */
const NTIMES = 10;

const EPERM = 1;
const ENOENT = 2;
const EFAULT = 14;
const EINVAL = 22;

/** `size / 4` int32 values `f(i)`, little-endian, as the C tests fill their buffers (`ptr[i] = i`). */
function ints(size: number, f: (i: number) => number): Uint8Array {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < size / 4; i++) view.setInt32(i * 4, f(i), true);
  return bytes;
}

/** Returns the first int32 index where `bytes` differs from `f(i)`, or -1 (a compact ASSERT_EQ over a whole buffer). */
function firstMismatch(bytes: Uint8Array | undefined, f: (i: number) => number): number {
  if (!bytes) return 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < bytes.length / 4; i++) if (view.getInt32(i * 4, true) !== f(i)) return i;
  return -1;
}

/** The parts of one test program: its session, its process and the buffer it maps. */
interface Program {
  readonly s: HmmSession;
  readonly p: SessionProcess;
  readonly pageSize: number;
}

describe.each([
  { variant: 'device_private', flavour: 'private' as const },
  { variant: 'device_coherent', flavour: 'coherent' as const },
])('hmm_$variant / hmm2_$variant: the kernel\'s HMM self-tests on workers', ({ flavour }) => {
  const coherent = flavour === 'coherent';
  let s: HmmSession;
  let dev0: TestDevice;
  let dev1: TestDevice;
  let pageSize: number;

  beforeAll(async () => {
    s = await HmmSession.start({ flavour, mode: 'deterministic' });
    dev0 = s.device(0);
    dev1 = s.device(1);
    pageSize = s.pageSize;
  });

  afterAll(async () => {
    if (!s) return;
    const r = await s.close();
    expect(r.workload.problems).toEqual([]);
    expect(r.workload.verified).toBe(true);
  });

  /** Runs `body` as one test program: a fresh process that exits afterwards (hmm_buffer_free, then the program's exit). */
  async function program(body: (t: Program) => Promise<void>): Promise<void> {
    const p = await s.spawn();
    await body({ s, p, pageSize });
    expect((await p.exit()).errno).toBe(0);
  }

  /** mmap(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS) of `size` bytes, optionally filled with `fill(i)`. */
  async function anonBuffer(p: SessionProcess, size: number, fill?: (i: number) => number): Promise<number> {
    const m = await p.mmap(size);
    expect(m.errno).toBe(0);
    if (fill) expect((await p.write(m.va!, ints(size, fill))).errno).toBe(0);
    return m.va!;
  }

  const npagesOf = (size: number): number => size / pageSize;

  /**
   * hmm2's mixed pages from page 2 of a PROT_NONE mapping at `base`: page 2
   * the zero page, read-only; page 3 written, then read-only; `rwPages`
   * pages from 4 read-write, page 4 written.
   */
  async function mixedLayout(p: SessionProcess, base: number, rwPages: number): Promise<void> {
    expect((await p.mprotect(base + 2 * pageSize, pageSize, 'read')).errno).toBe(0);
    expect(firstMismatch((await p.read(base + 2 * pageSize, 4)).data, () => 0)).toBe(-1);
    expect((await p.mprotect(base + 3 * pageSize, pageSize, 'read-write')).errno).toBe(0);
    expect((await p.write(base + 3 * pageSize, ints(4, () => 3))).errno).toBe(0);
    expect((await p.mprotect(base + 3 * pageSize, pageSize, 'read')).errno).toBe(0);
    expect((await p.mprotect(base + 4 * pageSize, rwPages * pageSize, 'read-write')).errno).toBe(0);
    expect((await p.write(base + 4 * pageSize, ints(4, () => 3))).errno).toBe(0);
  }

  /** mmap of `size` bytes (default HMM_BUFFER_SIZE) with `opts`, untouched. */
  async function mappedBuffer(p: SessionProcess, opts: MmapOptions, size = HMM_BUFFER_SIZE): Promise<{ size: number; npages: number; va: number }> {
    const m = await p.mmap(size, opts);
    expect(m.errno).toBe(0);
    return { size, npages: npagesOf(size), va: m.va! };
  }

  /** The kernel's usual buffer: `size` bytes (default HMM_BUFFER_SIZE) of anonymous memory holding ptr[i] = i. */
  async function countingBuffer(p: SessionProcess, size = HMM_BUFFER_SIZE): Promise<{ size: number; npages: number; va: number }> {
    return { size, npages: npagesOf(size), va: await anonBuffer(p, size, (i) => i) };
  }

  it('open_close', async () => {
    await program(async () => {});
  });

  it('anon_read: the device reads private anonymous memory (pte_none and the zero page read as 0)', async () => {
    await program(async ({ p }) => {
      const size = HMM_BUFFER_SIZE;
      const npages = npagesOf(size);
      const va = await anonBuffer(p, size);
      // Initialize the buffer but leave the first two pages zero (pte_none and pfn_zero).
      const skip = (2 * pageSize) / 4;
      expect((await p.write(va + 2 * pageSize, ints(size - 2 * pageSize, (i) => i + skip))).errno).toBe(0);
      expect((await p.mprotect(va, size, 'read')).errno).toBe(0);
      // Populate the CPU page table with the special zero page.
      const val = await p.read(va + pageSize, 4);
      expect(firstMismatch(val.data, () => 0)).toBe(-1);
      const r = await dev0.read(p, va, npages);
      expect(r.errno).toBe(0);
      expect(r.cpages).toBe(npages);
      expect(r.faults).toBe(1);
      expect(firstMismatch(r.data, (i) => (i < skip ? 0 : i))).toBe(-1);
    });
  });

  it('anon_read_prot: a device read of PROT_NONE memory fails with EFAULT and reads nothing', async () => {
    await program(async ({ p }) => {
      const size = HMM_BUFFER_SIZE;
      const va = await anonBuffer(p, size, (i) => i);
      expect((await p.mprotect(va, size, 'none')).errno).toBe(0);
      const r = await dev0.read(p, va, npagesOf(size));
      expect(r.errno).toBe(EFAULT);
      expect(r.cpages).toBe(0);
      // The CPU cannot read it either, until it is readable again.
      expect((await p.read(va, 4)).errno).toBe(EFAULT);
      expect((await p.mprotect(va, size, 'read')).errno).toBe(0);
      expect(firstMismatch((await p.read(va, size)).data, (i) => i)).toBe(-1);
    });
  });

  it('anon_write: the device writes private anonymous memory', async () => {
    await program(async ({ p }) => {
      const size = HMM_BUFFER_SIZE;
      const npages = npagesOf(size);
      const va = await anonBuffer(p, size);
      const w = await dev0.write(p, va, ints(size, (i) => i));
      expect(w.errno).toBe(0);
      expect(w.cpages).toBe(npages);
      expect(w.faults).toBe(1);
      expect(firstMismatch((await p.read(va, size)).data, (i) => i)).toBe(-1);
    });
  });

  it('anon_write_prot: a device write of read-only memory fails with EPERM until mprotect allows it', async () => {
    await program(async ({ p }) => {
      const { size, npages, va } = await mappedBuffer(p, { write: false });
      const r = await dev0.read(p, va, 1);
      expect([r.errno, r.cpages, r.faults]).toEqual([0, 1, 1]);
      const data = ints(size, (i) => i);
      expect((await dev0.write(p, va, data)).errno).toBe(EPERM);
      expect(firstMismatch((await p.read(va, size)).data, () => 0)).toBe(-1);
      // Now allow writing and see that the zero page is replaced.
      expect((await p.mprotect(va, size, 'read-write')).errno).toBe(0);
      const w = await dev0.write(p, va, data);
      expect([w.errno, w.cpages, w.faults]).toEqual([0, npages, 1]);
      expect(firstMismatch((await p.read(va, size)).data, (i) => i)).toBe(-1);
    });
  });

  it('anon_write_child: a device writing a private mapping the child inherited copies on write', async () => {
    await program(async ({ p }) => {
      const { size, npages, va } = await countingBuffer(p);
      const child = await p.fork();
      expect(firstMismatch((await child.read(va, size)).data, (i) => i)).toBe(-1);
      // The child needs its own mirror of its own mm: the device mirrors per process.
      const w = await dev0.write(child, va, ints(size, (i) => -i));
      expect([w.errno, w.cpages, w.faults]).toEqual([0, npages, 1]);
      expect(firstMismatch((await child.read(va, size)).data, (i) => -i)).toBe(-1);
      expect((await child.exit()).errno).toBe(0);
      // The parent's buffer did not change.
      expect(firstMismatch((await p.read(va, size)).data, (i) => i)).toBe(-1);
    });
  });

  it('anon_write_child_shared: a device writing a shared mapping the child inherited writes the parent\'s pages', async () => {
    await program(async ({ p }) => {
      const { size, npages, va } = await mappedBuffer(p, { shared: true });
      expect((await p.write(va, ints(size, (i) => i))).errno).toBe(0);
      const child = await p.fork();
      expect(firstMismatch((await child.read(va, size)).data, (i) => i)).toBe(-1);
      const w = await dev0.write(child, va, ints(size, (i) => -i));
      expect([w.errno, w.cpages, w.faults]).toEqual([0, npages, 1]);
      expect(firstMismatch((await child.read(va, size)).data, (i) => -i)).toBe(-1);
      expect((await child.exit()).errno).toBe(0);
      // The parent's buffer did change.
      expect(firstMismatch((await p.read(va, size)).data, (i) => -i)).toBe(-1);
    });
  });

  it('file_read: the device reads a shared file mapping', async () => {
    await program(async ({ p }) => {
      const size = HMM_BUFFER_SIZE;
      const npages = npagesOf(size);
      const file = `file_read-${flavour}`;
      // pwrite: the file's initial contents, through a mapping of its page cache.
      const w = await p.mmap(size, { file, shared: true });
      expect((await p.write(w.va!, ints(size, (i) => i))).errno).toBe(0);
      expect((await p.munmap(w.va!, size)).errno).toBe(0);
      const m = await p.mmap(size, { file, shared: true, write: false });
      expect(m.errno).toBe(0);
      const r = await dev0.read(p, m.va!, npages);
      expect([r.errno, r.cpages, r.faults]).toEqual([0, npages, 1]);
      expect(firstMismatch(r.data, (i) => i)).toBe(-1);
    });
  });

  it('file_write: the device writes a shared file mapping, and the file holds what it wrote', async () => {
    await program(async ({ p }) => {
      const size = HMM_BUFFER_SIZE;
      const npages = npagesOf(size);
      const file = `file_write-${flavour}`;
      const m = await p.mmap(size, { file, shared: true });
      expect(m.errno).toBe(0);
      const w = await dev0.write(p, m.va!, ints(size, (i) => i));
      expect([w.errno, w.cpages, w.faults]).toEqual([0, npages, 1]);
      expect(firstMismatch((await p.read(m.va!, size)).data, (i) => i)).toBe(-1);
      // pread: the file, through a fresh mapping of its page cache.
      expect((await p.munmap(m.va!, size)).errno).toBe(0);
      const again = await p.mmap(size, { file, shared: true, write: false });
      expect(firstMismatch((await p.read(again.va!, size)).data, (i) => i)).toBe(-1);
    });
  });

  it('migrate: anonymous memory migrates to the device, which reads it there', async () => {
    await program(async ({ p }) => {
      const { size, npages, va } = await countingBuffer(p);
      const r = await dev0.migrateToDevice(p, va, npages);
      expect([r.errno, r.cpages]).toEqual([0, npages]);
      expect(firstMismatch(r.data, (i) => i)).toBe(-1);
      const snap = await dev0.snapshot(p, va, 1);
      expect(snap.data![0]).toBe((coherent ? DmirrorProt.DEV_COHERENT_LOCAL : DmirrorProt.DEV_PRIVATE_LOCAL) | DmirrorProt.WRITE);
    });
  });

  it('migrate_fault: half the pages fault back to system memory, then the mix migrates to the device again', async () => {
    await program(async ({ p }) => {
      const { size, npages, va } = await countingBuffer(p);
      let r = await dev0.migrateToDevice(p, va, npages);
      expect([r.errno, r.cpages]).toEqual([0, npages]);
      expect(firstMismatch(r.data, (i) => i)).toBe(-1);
      // Fault half the pages back to system memory (private) or read them in place (coherent), and check them.
      expect(firstMismatch((await p.read(va, size / 2)).data, (i) => i)).toBe(-1);
      r = await dev0.migrateToDevice(p, va, npages);
      expect([r.errno, r.cpages]).toEqual([0, npages]);
      expect(firstMismatch(r.data, (i) => i)).toBe(-1);
    });
  });

  it('migrate_release: the device releases its memory and the pages are back in system memory', async () => {
    await program(async ({ p }) => {
      const { size, npages, va } = await countingBuffer(p);
      const r = await dev0.migrateToDevice(p, va, npages);
      expect([r.errno, r.cpages]).toEqual([0, npages]);
      const rel = await dev0.release();
      expect(rel.errno).toBe(0);
      expect(rel.cpages).toBe(npages);
      const snap = await dev0.snapshot(p, va, npages);
      expect(snap.data!.every((b) => b === DmirrorProt.WRITE)).toBe(true);
      expect(firstMismatch((await p.read(va, size / 2)).data, (i) => i)).toBe(-1);
    });
  });

  it('migrate_shared: shared anonymous memory cannot migrate (ENOENT)', async () => {
    await program(async ({ p }) => {
      const size = HMM_BUFFER_SIZE;
      const m = await p.mmap(size, { shared: true });
      expect(m.errno).toBe(0);
      expect((await dev0.migrateToDevice(p, m.va!, npagesOf(size))).errno).toBe(ENOENT);
    });
  });

  it('migrate_multiple: memory goes to the device and back NTIMES times', async () => {
    const size = HMM_BUFFER_SIZE;
    const npages = npagesOf(size);
    for (let c = 0; c < NTIMES; c++) {
      await program(async ({ p }) => {
        const va = await anonBuffer(p, size, (i) => i);
        const r = await dev0.migrateToDevice(p, va, npages);
        expect([r.errno, r.cpages]).toEqual([0, npages]);
        expect(firstMismatch(r.data, (i) => i)).toBe(-1);
        // Coherent memory is read in place by the CPU, so it is migrated back explicitly; private memory faults back.
        if (coherent) {
          const back = await dev0.migrateToSystem(p, va, npages);
          expect([back.errno, back.cpages]).toEqual([0, npages]);
        }
        expect(firstMismatch((await p.read(va, size)).data, (i) => i)).toBe(-1);
      });
    }
  });

  it('anon_read_multiple: the device reads fresh memory NTIMES times', async () => {
    const size = HMM_BUFFER_SIZE;
    const npages = npagesOf(size);
    for (let c = 0; c < NTIMES; c++) {
      await program(async ({ p }) => {
        const va = await anonBuffer(p, size, (i) => i + c);
        const r = await dev0.read(p, va, npages);
        expect([r.errno, r.cpages, r.faults]).toEqual([0, npages, 1]);
        expect(firstMismatch(r.data, (i) => i + c)).toBe(-1);
      });
    }
  });

  it('anon_teardown: the device reads memory while half of it is unmapped', async () => {
    const size = HMM_BUFFER_SIZE;
    const npages = npagesOf(size);
    const outcomes = new Set<number>();
    for (let c = 0; c < NTIMES; c++) {
      await program(async ({ p }) => {
        const va = await anonBuffer(p, size, (i) => i + c);
        // One step: the read and the munmap race in simulated time.
        const [r, u] = await s.all([dev0.call('read', p, va, npages), p.calls.munmap(va + size / 2, size / 2)] as const);
        expect(u.errno).toBe(0);
        outcomes.add(r.errno);
        if (r.errno === 0) {
          expect([r.cpages, r.faults]).toEqual([npages, 1]);
          expect(firstMismatch(r.data, (i) => i + c)).toBe(-1);
        } else expect(r.errno).toBe(EFAULT);
      });
    }
    expect([...outcomes].every((e) => e === 0 || e === EFAULT)).toBe(true);
  });

  it('hmm_gup_test: GUP faults private pages back; a long-term pin migrates any device page back to system memory', async () => {
    await program(async ({ p }) => {
      const { size, npages, va } = await countingBuffer(p, 4 * pageSize);
      const r = await dev0.migrateToDevice(p, va, npages);
      expect([r.errno, r.cpages]).toEqual([0, npages]);
      expect(firstMismatch(r.data, (i) => i)).toBe(-1);
      expect((await p.gupTest(va, 1, { write: true })).errno).toBe(0); // GUP_BASIC_TEST
      expect((await p.gupTest(va + pageSize, 1, { write: true })).errno).toBe(0); // GUP_FAST_BENCHMARK
      expect((await p.gupTest(va + 2 * pageSize, 1, { write: true, longterm: true })).errno).toBe(0); // PIN_FAST_BENCHMARK, FOLL_LONGTERM
      expect((await p.gupTest(va + 3 * pageSize, 1, { write: true, longterm: true })).errno).toBe(0); // PIN_LONGTERM_BENCHMARK
      const snap = await dev0.snapshot(p, va, npages);
      expect([snap.errno, snap.cpages]).toEqual([0, npages]);
      const kept = coherent ? DmirrorProt.DEV_COHERENT_LOCAL | DmirrorProt.WRITE : DmirrorProt.WRITE;
      expect(Array.from(snap.data!)).toEqual([kept, kept, DmirrorProt.WRITE, DmirrorProt.WRITE]);
      expect(firstMismatch((await p.read(va, size)).data, (i) => i)).toBe(-1);
    });
  });

  it('hmm_cow_in_device: writing copy-on-write device pages gives the parent new system pages', async () => {
    await program(async ({ p }) => {
      const { size, npages, va } = await countingBuffer(p, 4 * pageSize);
      const r = await dev0.migrateToDevice(p, va, npages);
      expect([r.errno, r.cpages]).toEqual([0, npages]);
      const child = await p.fork();
      // The parent writes its COW pages: private ones are migrated to system memory first, coherent ones copied from the device.
      expect((await p.write(va, ints(size, (i) => i))).errno).toBe(0);
      expect((await child.exit()).errno).toBe(0);
      const snap = await dev0.snapshot(p, va, npages);
      expect([snap.errno, snap.cpages]).toEqual([0, npages]);
      expect(Array.from(snap.data!)).toEqual(Array(npages).fill(DmirrorProt.WRITE));
    });
  });

  it('exclusive: the device takes memory for atomic access; the CPU touching it takes it back (check_exclusive then passes)', async () => {
    await program(async ({ p }) => {
      const { size, npages, va } = await countingBuffer(p);
      const r = await dev0.exclusive(p, va, npages);
      expect([r.errno, r.cpages]).toEqual([0, npages]);
      expect(firstMismatch(r.data, (i) => i)).toBe(-1);
      expect((await dev0.checkExclusive(p, va, npages)).errno).toBe(EPERM);
      // Fault the pages back to system memory (ptr[i]++) and check them.
      const back = await p.read(va, size);
      expect(firstMismatch(back.data, (i) => i)).toBe(-1);
      expect((await p.write(va, ints(size, (i) => i + 1))).errno).toBe(0);
      expect(firstMismatch((await p.read(va, size)).data, (i) => i + 1)).toBe(-1);
      // Atomic access revoked.
      expect((await dev0.checkExclusive(p, va, npages)).errno).toBe(0);
    });
  });

  it('exclusive_mprotect: after mprotect(PROT_READ) of exclusive memory a device write fails with EPERM', async () => {
    await program(async ({ p }) => {
      const { size, npages, va } = await countingBuffer(p);
      const r = await dev0.exclusive(p, va, npages);
      expect([r.errno, r.cpages]).toEqual([0, npages]);
      expect(firstMismatch(r.data, (i) => i)).toBe(-1);
      expect((await p.mprotect(va, size, 'read')).errno).toBe(0);
      expect((await dev0.write(p, va, ints(size, (i) => i))).errno).toBe(EPERM);
    });
  });

  it('exclusive_cow: fork of exclusive memory, then the parent writes it copy-on-write; the child keeps the old data', async () => {
    await program(async ({ p }) => {
      const { size, npages, va } = await countingBuffer(p);
      const r = await dev0.exclusive(p, va, npages);
      expect([r.errno, r.cpages]).toEqual([0, npages]);
      const child = await p.fork();
      expect(firstMismatch((await p.read(va, size)).data, (i) => i)).toBe(-1);
      expect((await p.write(va, ints(size, (i) => i + 1))).errno).toBe(0);
      expect(firstMismatch((await p.read(va, size)).data, (i) => i + 1)).toBe(-1);
      expect(firstMismatch((await child.read(va, size)).data, (i) => i)).toBe(-1);
      expect((await dev0.checkExclusive(p, va, npages)).errno).toBe(0);
      expect((await child.exit()).errno).toBe(0);
    });
  });

  it('HMM_DMIRROR_FLAG_FAIL_ALLOC: the next device page allocation fails once; that page stays in system memory (ENOENT), the others migrate', async () => {
    await program(async ({ p }) => {
      const { size, npages, va } = await countingBuffer(p, 4 * pageSize);
      expect((await dev0.failNextAlloc()).errno).toBe(0);
      const r = await dev0.migrateToDevice(p, va, npages);
      expect(r.errno).toBe(ENOENT);
      const snap = await dev0.snapshot(p, va, npages);
      const local = coherent ? DmirrorProt.DEV_COHERENT_LOCAL : DmirrorProt.DEV_PRIVATE_LOCAL;
      expect(Array.from(snap.data!)).toEqual([DmirrorProt.WRITE, local | DmirrorProt.WRITE, local | DmirrorProt.WRITE, local | DmirrorProt.WRITE]);
      // The flag was one-shot: the page migrates now.
      const again = await dev0.migrateToDevice(p, va, npages);
      expect([again.errno, again.cpages]).toEqual([0, npages]);
      expect(firstMismatch(again.data, (i) => i)).toBe(-1);
    });
  });

  it('hmm2 migrate_mixed: protected, unmapped, zero, read-only and read-write pages, and another device\'s pages', async () => {
    await program(async ({ p }) => {
      const npages = 6;
      const size = npages * pageSize;
      const m = await p.mmap(size, { read: false, write: false });
      expect(m.errno).toBe(0);
      const base = m.va!;
      // Migrating a protected area is an error.
      expect((await dev1.migrateToDevice(p, base, npages)).errno).toBe(EINVAL);
      // Punch a hole after the first page: the VMAs no longer cover the range.
      expect((await p.munmap(base + pageSize, pageSize)).errno).toBe(0);
      expect((await dev1.migrateToDevice(p, base, 3)).errno).toBe(EINVAL);
      // Page 2: a read-only zero page; page 3: read-only; pages 4-5: read-write.
      await mixedLayout(p, base, 2);
      expect((await p.write(base + 5 * pageSize, ints(4, () => 3))).errno).toBe(0);
      // Pages 2-5 migrate to device 1.
      const r = await dev1.migrateToDevice(p, base + 2 * pageSize, 4);
      expect([r.errno, r.cpages]).toEqual([0, 4]);
      // Page 5 does not migrate to device 0: it is on device 1.
      expect((await dev0.migrateToDevice(p, base + 5 * pageSize, 1)).errno).toBe(ENOENT);
    });
  });

  it('hmm2 snapshot: one byte per page, nothing faulted in', async () => {
    await program(async ({ p }) => {
      const npages = 7;
      const m = await p.mmap(npages * pageSize, { read: false, write: false });
      const base = m.va!;
      expect((await p.munmap(base + pageSize, pageSize)).errno).toBe(0);
      await mixedLayout(p, base, 3);
      const r5 = await dev0.migrateToDevice(p, base + 5 * pageSize, 1);
      expect([r5.errno, r5.cpages]).toEqual([0, 1]);
      const r6 = await dev1.migrateToDevice(p, base + 6 * pageSize, 1);
      expect([r6.errno, r6.cpages]).toEqual([0, 1]);
      const snap = await dev0.snapshot(p, base, npages);
      expect([snap.errno, snap.cpages]).toEqual([0, npages]);
      const P = DmirrorProt;
      expect(Array.from(snap.data!)).toEqual([
        P.ERROR,
        P.ERROR,
        P.ZERO | P.READ,
        P.READ,
        P.WRITE,
        (coherent ? P.DEV_COHERENT_LOCAL : P.DEV_PRIVATE_LOCAL) | P.WRITE,
        coherent ? P.DEV_COHERENT_REMOTE | P.WRITE : P.NONE,
      ]);
    });
  });

  it('hmm2 double_map: two devices read the same memory, then one reads what migrated to the other', async () => {
    await program(async ({ p }) => {
      const npages = 6;
      const size = npages * pageSize;
      const va = await anonBuffer(p, size, (i) => i);
      expect((await p.mprotect(va, size, 'read')).errno).toBe(0);
      for (const dev of [dev0, dev1]) {
        const r = await dev.read(p, va, npages);
        expect([r.errno, r.cpages, r.faults]).toEqual([0, npages, 1]);
        expect(firstMismatch(r.data, (i) => i)).toBe(-1);
      }
      const m = await dev1.migrateToDevice(p, va, npages);
      expect([m.errno, m.cpages]).toEqual([0, npages]);
      const r = await dev0.read(p, va, npages);
      expect([r.errno, r.cpages, r.faults]).toEqual([0, npages, 1]);
      expect(firstMismatch(r.data, (i) => i)).toBe(-1);
    });
  });
});
