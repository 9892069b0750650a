/**
 * Page coherence across workers (issue 4, item 4, on the real simulator):
 * the memory manager's `PageCoherence` hooks over one node's `CoherentNode`,
 * whose recalls cross the bus. The directory of a node's memory is the home
 * of its pages' lines, and its memory is the shared page contents (each
 * line's protocol value is the first 4 bytes of that line).
 *
 * - **Before a DMA engine copies pages** (migration to a device, back to
 *   RAM, eviction: `migrateVmaCollect`, the DMA, `migrateVmaFinish`) every
 *   cached line of each source is recalled at its home:
 *   the requesting CPU recalls its own RAM pages and asks other homes with a
 *   PageRecall message; the copying device recalls the pages it is home of
 *   when the DmaCopy arrives (`flushForDma`, `recallAtHome`). Only then is
 *   the copy requested or made, so the new frame holds the last write.
 * - **A freed frame** is recalled at its home, its lines are forgotten, and
 *   only then does it go back to its allocator or driver (`invalidatePage`).
 *   A CPU node frees device pages with PageFree; the device, their home,
 *   does the recall before its pool gets the frame back.
 * - **A copy the CPU makes itself** (`wp_page_copy` after fork,
 *   `copyPageByCpu`) reads through the copying node's own cache, as a
 *   memcpy would: lines the cache holds come from it, the others from
 *   memory, and the new page (this node's RAM, in no cache yet) is written
 *   directly. Reading only the copier's cache is exact when no other node
 *   caches a line of the source — true of the mm stress, whose devices
 *   never load or store process memory; the copy checks it and throws
 *   otherwise instead of copying stale data.
 *
 * Only a line's home writes its memory while the page is in use (the
 * directory's writebacks, on the home's worker). Those writes take no page
 * lock: they are the memory's, not a kernel path's, and a migration holds
 * the source's page lock while its lines are recalled.
 */
import { CdmsimError, InvariantViolation, type NodeId } from '@cdmsim/engine';
import type { LineAddr } from '@cdmsim/coherence';
import type { MmCore, PageCoherence } from '@cdmsim/mm';
import type { cdmsim, EnvelopeData } from '@cdmsim/proto';
import type { CoherenceWatch } from '@cdmsim/shm';
import type { NodeKernel } from '@cdmsim/kernel';
import type { CoherentNode, LineMemory } from './coherent-node.js';
import { PendingReplies } from '@cdmsim/kernel';
import type { PageLines } from './page-lines.js';

/** Counters of one node's page-coherence work (plain data). */
export interface PageCoherenceStats {
  /** Pages recalled at this home (before a DMA copy, or freed), and their cached lines recalled. */
  pagesRecalled: number;
  linesRecalled: number;
  /** PageRecall requests this node sent to other homes before a DMA. */
  recallRequestsSent: number;
  /** Freed frames held out of their allocator or pool until their lines were invalidated. */
  framesHeld: number;
  /** Cached lines a CPU-performed copy took from this node's cache. */
  linesCopiedFromCache: number;
}

/**
 * Page coherence over the bus as its users see it: the memory manager's
 * hooks (`PageCoherence`), the DMA flush a migration requests before its
 * copy, the recall a device makes of its own pages before its DMA engine
 * reads them, and the node's idle state. A test can hand its users a
 * transformed one (see `PageCachesOptions.transform`).
 */
export interface BusPageCoherence extends PageCoherence {
  readonly stats: PageCoherenceStats;
  /** Whether this node has no recall in flight and holds no freed frame. */
  readonly idle: boolean;
  /** Calls `done` once this node is idle (at once when it is). */
  whenIdle(done: () => void): void;
  /** Before `copier`'s DMA engine reads `pfns`: recall every cached line of them at its home; `done` once every recall completed. */
  flushForDma(pfns: readonly number[], copier: NodeId, done: () => void): void;
  /** Recalls every cached line of `pfns` (all homed here); `done(lines)` once all completed. */
  recallAtHome(pfns: readonly number[], done: (lines: number) => void): void;
}

const WORD_BYTES = 4;

/** One node's page coherence over the bus. */
export class WorkerPageCoherence implements BusPageCoherence {
  readonly stats: PageCoherenceStats = { pagesRecalled: 0, linesRecalled: 0, recallRequestsSent: 0, framesHeld: 0, linesCopiedFromCache: 0 };
  readonly #kernel: NodeKernel;
  readonly #node: CoherentNode;
  readonly #lines: PageLines;
  readonly #watch: CoherenceWatch;
  readonly #core: MmCore;
  readonly #wordBytes = new Uint8Array(WORD_BYTES);
  readonly #word = new DataView(this.#wordBytes.buffer);
  readonly #recalls: PendingReplies;
  readonly #idleWaiters: (() => void)[] = [];
  /** Work of this node in flight: page recalls at home, PageRecall requests out, freed frames held. */
  #busy = 0;

  /**
   * Registers the PageRecall handlers on `kernel`. `node` is this node's
   * coherent cache + directory, built with `memoryOf(core, lines)` as its
   * memory (the same core's contents); `watch` is the run's coherence watch
   * (for the copy checks).
   */
  constructor(kernel: NodeKernel, node: CoherentNode, lines: PageLines, core: MmCore, watch: CoherenceWatch) {
    this.#kernel = kernel;
    this.#node = node;
    this.#lines = lines;
    this.#watch = watch;
    this.#core = core;
    kernel.on('pageRecall', 'page-coherence', (env) => this.#recallRequest(env));
    this.#recalls = new PendingReplies(kernel, 'pageRecallDone', 'page-coherence');
  }

  /** Returns the memory of a node's directory: the first 4 bytes of each line of the shared page contents. */
  static memoryOf(core: MmCore, lines: PageLines): LineMemory {
    const word = new Uint8Array(WORD_BYTES);
    const view = new DataView(word.buffer);
    const place = (line: LineAddr): { pfn: number; offset: number } => {
      const pfn = lines.pfnOf(line);
      return { pfn, offset: line - pfn * lines.pageBytes };
    };
    return {
      read(line) {
        const { pfn, offset } = place(line);
        core.content.read(pfn, offset, word);
        return view.getInt32(0, true);
      },
      write(line, value) {
        const { pfn, offset } = place(line);
        view.setInt32(0, value, true);
        core.content.write(pfn, offset, word); // no page lock: see the file comment
      },
    };
  }

  /** Returns whether this node has no recall in flight and holds no freed frame. */
  get idle(): boolean {
    return this.#busy === 0;
  }

  /** Calls `done` once this node has no recall in flight and holds no freed frame (at once when idle). */
  whenIdle(done: () => void): void {
    if (this.#busy === 0) done();
    else this.#idleWaiters.push(done);
  }

  /**
   * A synchronous read of the whole page by the kernel (file writeback,
   * which the stress on workers never does; migrations are flushed over the
   * bus before their DMA, `flushForDma`): a recall over the bus cannot serve
   * it, so it throws unless no cache holds a line of the page.
   */
  flushPage(pfn: number): void {
    for (let i = 0; i < this.#lines.linesPerPage; i++) {
      const line = this.#lines.lineOf(pfn, i);
      const held = this.#othersHolding(line).length > 0 || this.#node.cachedData(line) !== undefined;
      if (held) throw new CdmsimError(`node ${this.#kernel.spec.name}: a synchronous flush of pfn ${pfn} (line ${i} is cached) is not modelled on workers; only migrations (flushed before their DMA) and CPU copies are`);
    }
  }

  /** The copy reads through this node's cache (see the file comment). @throws CdmsimError when another node caches a line of `src`. */
  copyPageByCpu(src: number, dst: number): void {
    this.#core.withPageLock(src, () => this.#core.content.copyPage(src, dst));
    for (let i = 0; i < this.#lines.linesPerPage; i++) {
      const line = this.#lines.lineOf(src, i);
      const others = this.#othersHolding(line);
      if (others.length) throw new CdmsimError(`node ${this.#kernel.spec.name} copies pfn ${src} while node(s) ${others.join(', ')} cache line ${i} of it: a CPU copy on workers reads through the copier's cache only`);
      const data = this.#node.cachedData(line);
      if (data === undefined) continue;
      this.#word.setInt32(0, data, true);
      this.#core.withPageLock(dst, () => this.#core.content.write(dst, i * this.#lines.lineBytes, this.#wordBytes));
      this.stats.linesCopiedFromCache++;
    }
  }

  /** Returns the nodes other than this one that hold a permission on `line` (from the run's coherence watch). */
  #othersHolding(line: LineAddr): number[] {
    const h = this.#watch.holders(this.#lines.indexOf(line));
    const self = this.#kernel.self as number;
    return [...h.readers, ...(h.writer === undefined ? [] : [h.writer])].filter((n) => n !== self);
  }

  /**
   * Frame `pfn` is free. Its home recalls every cached line, forgets them and
   * then calls `release`. A frame homed on another node is released once no
   * writeback of this node's to it is in flight (the home writes those into
   * the page contents from its own thread, which the release must not
   * race); its home recalls it when the frame comes back (PageFree).
   */
  invalidatePage(pfn: number, release: () => void): void {
    if (this.#lines.homeOfPage(pfn) !== this.#kernel.self) {
      this.#begin();
      const now = this.#node.whenWritebacksDone(this.#lines.lineOf(pfn), this.#lines.pageBytes, () => {
        release();
        this.#end();
      });
      if (!now) this.stats.framesHeld++;
      return;
    }
    const lines = this.#node.knownLinesIn(this.#lines.lineOf(pfn), this.#lines.pageBytes);
    if (lines.length === 0) return release();
    this.stats.framesHeld++;
    this.#begin();
    this.#recallLines(lines, () => {
      for (const l of lines) if (!this.#node.forget(l)) throw new InvariantViolation(`node ${this.#kernel.spec.name}: line 0x${l.toString(16)} of freed pfn ${pfn} is in use again before the frame was handed back`, this.#kernel.seed);
      release();
      this.#end();
    });
  }

  /**
   * Before `copier`'s DMA engine reads `pfns` (0 = an empty slot): recalls
   * the pages homed here and sends one PageRecall to every other home except
   * `copier` (it recalls its own pages when the copy request arrives).
   * Calls `done` once every recall completed.
   */
  flushForDma(pfns: readonly number[], copier: NodeId, done: () => void): void {
    const byHome = new Map<NodeId, number[]>();
    for (const pfn of pfns) {
      if (pfn === 0) continue;
      const home = this.#lines.homeOfPage(pfn);
      if (home === copier) continue;
      const list = byHome.get(home);
      if (list) list.push(pfn);
      else byHome.set(home, [pfn]);
    }
    let outstanding = byHome.size;
    if (outstanding === 0) return done();
    const one = (): void => {
      if (--outstanding === 0) done();
    };
    for (const [home, list] of byHome) {
      if (home === this.#kernel.self) {
        this.recallAtHome(list, one);
        continue;
      }
      this.stats.recallRequestsSent++;
      this.#begin();
      this.#recalls.send(home, { pageRecall: { pfns: list } }, () => {
        this.#end();
        one();
      });
    }
  }

  /**
   * Recalls every cached line of `pfns` (all homed here): dirty data into
   * memory, every copy invalidated. Calls `done(lines)` with the number of
   * lines recalled once all completed (at once when none is cached).
   */
  recallAtHome(pfns: readonly number[], done: (lines: number) => void): void {
    const lines: LineAddr[] = [];
    for (const pfn of pfns) {
      if (this.#lines.homeOfPage(pfn) !== this.#kernel.self) throw new CdmsimError(`node ${this.#kernel.spec.name} asked to recall pfn ${pfn}, which another node is home of`);
      this.stats.pagesRecalled++;
      lines.push(...this.#node.knownLinesIn(this.#lines.lineOf(pfn), this.#lines.pageBytes));
    }
    if (lines.length === 0) return done(0);
    this.#begin();
    this.#recallLines(lines, () => {
      this.#end();
      done(lines.length);
    });
  }

  #recallLines(lines: readonly LineAddr[], done: () => void): void {
    let outstanding = lines.length;
    this.stats.linesRecalled += lines.length;
    for (const l of lines) {
      this.#node.recall(l, () => {
        if (--outstanding === 0) done();
      });
    }
  }

  #recallRequest(env: cdmsim.Envelope | EnvelopeData): void {
    const pfns = (env.pageRecall!.pfns ?? []).map(Number);
    const requester = env.src as NodeId;
    const txn = env.txn ?? 0;
    this.recallAtHome(pfns, (lines) => this.#kernel.send(requester, { txn, pageRecallDone: { lines } }));
  }

  #begin(): void {
    this.#busy++;
  }

  #end(): void {
    if (--this.#busy > 0) return;
    for (const w of this.#idleWaiters.splice(0)) w();
  }
}
