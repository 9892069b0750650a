/**
 * Page-table lookup benchmark: `PageTables.lookup()` on a table with 1 Mi
 * mapped pages at random (fixed-seed LCG) VPNs, against a raw baseline that
 * reads a flat Int32Array at the same indices.
 */
import { PageTables, PteKind, PTE_WRITE } from '@cdmsim/shm';
import { bestRate, type Benchmark } from './harness.js';

const MAPPED_PAGES = 1 << 20;
const REGIONS = 16; // mmaps of 64 Ki pages each, at random 2 MiB-aligned bases
const LOOKUPS = 1 << 20;
const UNIT = 'lookups/s';

/** 32-bit LCG (Numerical Recipes constants); deterministic for a seed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

interface Fixture {
  readonly pt: PageTables;
  readonly root: number;
  readonly vpns: Float64Array; // lookup stream
  readonly flatIndex: Int32Array; // same stream as indices into the flat baseline
  readonly flat: Int32Array; // [pfn, bits] per mapped page
}

function buildFixture(): Fixture {
  const next = lcg(12345);
  const pagesPerRegion = MAPPED_PAGES / REGIONS;
  const bases: number[] = [];
  while (bases.length < REGIONS) {
    // 36-bit VPN from two LCG draws, aligned to a leaf table (512 pages); reject overlaps.
    const base = ((next() % 2 ** 18) * 2 ** 18 + (next() % 2 ** 9) * 2 ** 9) % (2 ** 36 - pagesPerRegion);
    if (bases.every((b) => base + pagesPerRegion <= b || b + pagesPerRegion <= base)) bases.push(base);
  }
  const pt = new PageTables();
  const root = pt.createRoot();
  const flat = new Int32Array(MAPPED_PAGES * 2);
  for (let i = 0; i < MAPPED_PAGES; i++) {
    const vpn = bases[(i / pagesPerRegion) | 0]! + (i % pagesPerRegion);
    const pte = pt.ensure(root, vpn);
    pt.write(pte, i, PteKind.PRESENT | PTE_WRITE); // single-threaded setup: no lock needed
    flat[i * 2] = i;
    flat[i * 2 + 1] = PteKind.PRESENT | PTE_WRITE;
  }
  const vpns = new Float64Array(LOOKUPS);
  const flatIndex = new Int32Array(LOOKUPS);
  for (let k = 0; k < LOOKUPS; k++) {
    const i = next() % MAPPED_PAGES;
    flatIndex[k] = i * 2;
    vpns[k] = bases[(i / pagesPerRegion) | 0]! + (i % pagesPerRegion);
  }
  return { pt, root, vpns, flatIndex, flat };
}

let sink = 0;

export const benchmarks: Benchmark[] = [
  {
    name: 'page-table-lookup',
    description: `PageTables.lookup() of random VPNs among ${MAPPED_PAGES} mapped pages (4-level walk, atomic loads)`,
    baselineName: 'flat Int32Array read at the same indices',
    async run() {
      const f = buildFixture();
      const { pt, root, vpns, flatIndex, flat } = f;
      const subject = bestRate(() => {
        let s = 0;
        for (let k = 0; k < LOOKUPS; k++) s += pt.lookup(root, vpns[k]!);
        sink += s;
      }, LOOKUPS);
      const withRead = bestRate(() => {
        let s = 0;
        for (let k = 0; k < LOOKUPS; k++) s += pt.readPfn(pt.lookup(root, vpns[k]!));
        sink += s;
      }, LOOKUPS);
      const baseline = bestRate(() => {
        let s = 0;
        for (let k = 0; k < LOOKUPS; k++) s += flat[flatIndex[k]!]!;
        sink += s;
      }, LOOKUPS);
      return {
        subject: { figure: subject, unit: UNIT },
        baseline: { figure: baseline, unit: UNIT },
        details: {
          mappedPages: MAPPED_PAGES,
          regions: REGIONS,
          tables: pt.tableCount(),
          tableHostBytes: pt.hostBytes(),
          lookupPlusReadPfnPerSec: Math.round(withRead),
          checksum: sink % 1000,
        },
      };
    },
  },
];
