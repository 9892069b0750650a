/**
 * HMM figures: pages migrated per wall second through the dmirror test
 * device (an `HmmSession` on the built-in HMM self-test machine): a process
 * writes a 2 MiB buffer, then gpu0 migrates it to its memory and back to
 * system memory, ROUNDS times. Deterministic mode (one worker per node)
 * against sequential mode on the same seed; variants: free mode, and
 * deterministic with coherent (CDM) device memory. The clock runs over the
 * migrations only (start-up and the first write excluded, the same way for
 * each engine). The details hold the DMA bytes the drivers copied and the
 * invalidations each migration cost.
 */
import { CdmsimError } from '@cdmsim/engine';
import type { RunMode } from '@cdmsim/runtime';
import type { DmirrorFlavour } from '@cdmsim/workloads';
import { HmmSession } from 'cdmsim';
import type { Benchmark } from './harness.js';

/** Pages of the buffer (2 MiB). */
const PAGES = 512;
/** Round trips device ↔ system memory. */
const ROUNDS = 8;

interface MigrationRun {
  /** Pages moved, both directions. */
  pages: number;
  migrations: number;
  wallMs: number;
  simulatedPs: number;
  dmaBytes: number;
  invalidations: number;
}

async function migrations(mode: RunMode, flavour: DmirrorFlavour): Promise<MigrationRun> {
  const s = await HmmSession.start({ flavour, mode, seed: 1 });
  const p = await s.spawn();
  const { va } = await p.mmap(PAGES * s.pageSize);
  await p.write(va!, new Uint8Array(PAGES * s.pageSize).fill(0x5a));
  const gpu0 = s.device('gpu0');
  let pages = 0;
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) {
    const to = await gpu0.migrateToDevice(p, va!, PAGES);
    const back = await gpu0.migrateToSystem(p, va!, PAGES);
    if (to.errno !== 0 || back.errno !== 0 || back.cpages !== PAGES) throw new CdmsimError(`hmm bench: round ${i} migrated ${to.cpages} / ${back.cpages} pages (errno ${to.errno} / ${back.errno})`);
    pages += PAGES + back.cpages;
  }
  const wallMs = performance.now() - t0;
  await p.exit();
  const r = await s.close();
  if (!r.workload.verified) throw new CdmsimError(`hmm bench: the session's checks failed: ${JSON.stringify(r.workload.problems)}`);
  const copied = r.nodes.reduce((sum, n) => sum + ((n.workload as { driver?: { pagesCopied: number } } | undefined)?.driver?.pagesCopied ?? 0), 0);
  const invalidations = (r.workload as { invalidations?: number }).invalidations ?? 0;
  return { pages, migrations: 2 * ROUNDS, wallMs, simulatedPs: r.simTimePs, dmaBytes: copied * s.pageSize, invalidations };
}

const rate = (m: MigrationRun): { figure: number; unit: string } => ({ figure: m.pages / (m.wallMs / 1000), unit: 'pages/s' });

const hmm: Benchmark = {
  name: 'hmm-migrations',
  description: `pages migrated per wall second through the test device: ${PAGES} pages to gpu0 and back, ${ROUNDS} times (migrate_vma with mirror invalidations, DMA over the bus), deterministic mode one worker per node; variants: free mode, deterministic with coherent device memory`,
  baselineName: 'the same migrations in sequential mode (one thread)',
  async run() {
    const det = await migrations('deterministic', 'private');
    const seq = await migrations('sequential', 'private');
    const free = await migrations('free', 'private');
    const coherent = await migrations('deterministic', 'coherent');
    return {
      subject: rate(det),
      baseline: rate(seq),
      variants: [
        { name: 'free', subject: rate(free) },
        { name: 'deterministic-coherent', subject: rate(coherent) },
      ],
      details: {
        pagesMoved: det.pages,
        migrations: det.migrations,
        dmaBytes: det.dmaBytes,
        dmaBytesPerPage: det.dmaBytes / det.pages,
        invalidationsPerMigration: det.invalidations / det.migrations,
        simulatedUs: Math.round(det.simulatedPs / 1e6),
        simulatedGBps: det.dmaBytes / (det.simulatedPs / 1e12) / 1e9,
        wallMsDeterministic: Math.round(det.wallMs),
        wallMsSequential: Math.round(seq.wallMs),
        wallMsFree: Math.round(free.wallMs),
        wallMsCoherent: Math.round(coherent.wallMs),
        dmaBytesCoherent: coherent.dmaBytes,
        invalidationsPerMigrationCoherent: coherent.invalidations / coherent.migrations,
      },
    };
  },
};

export const benchmarks: Benchmark[] = [hmm];
