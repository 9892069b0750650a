/**
 * Connects the memory manager's page-coherence hooks to a coherent system
 * of caches and directories in the same thread (issue 4, item 4): before a
 * page is copied its dirty lines are recalled to their home directory and
 * written into the shared page contents; before a frame is reused every
 * cached copy of its lines is invalidated. The protocol carries one 32-bit
 * value per line; it is the first 4 bytes of that line in the ContentStore,
 * and for the lines the protocol has touched the directory's memory value
 * is the authoritative one.
 */
import { CdmsimError } from '@cdmsim/engine';
import type { CoherentSystem } from '@cdmsim/coherence';
import type { PageCoherence } from '@cdmsim/mm';
import type { ContentStore } from '@cdmsim/shm';

/** Counters of the hooks' work (plain data). */
export interface CoherentPagesStats {
  flushes: number;
  invalidations: number;
  /** Lines whose value was written back into the page contents. */
  linesWrittenBack: number;
}

/** PageCoherence over an in-thread CoherentSystem whose line addresses are `pfn * pageSize + offset`. */
export class CoherentPages implements PageCoherence {
  readonly stats: CoherentPagesStats = { flushes: 0, invalidations: 0, linesWrittenBack: 0 };
  readonly #sys: CoherentSystem;
  readonly #content: ContentStore;

  constructor(sys: CoherentSystem, content: ContentStore) {
    if (sys.topology.pageSizeBytes !== content.pageSize) throw new CdmsimError(`CoherentPages: the coherent system's pages are ${sys.topology.pageSizeBytes} B, the contents' ${content.pageSize} B`);
    this.#sys = sys;
    this.#content = content;
  }

  /** Recalls every line of `pfn` (dirty data home, copies invalidated), runs the protocol until done, then writes the lines' values into the page. */
  flushPage(pfn: number): void {
    this.stats.flushes++;
    this.#recall(pfn);
    const pageBytes = this.#sys.topology.pageSizeBytes;
    const first = pfn * pageBytes;
    const dir = this.#sys.directory(this.#sys.homeOf(first));
    const word = new Uint8Array(4);
    const view = new DataView(word.buffer);
    for (const line of dir.knownLinesIn(first, pageBytes)) {
      view.setInt32(0, dir.entryOf(line).memory, true);
      this.#content.write(pfn, line - first, word);
      this.stats.linesWrittenBack++;
    }
  }

  /** A CPU copy: the source's dirty lines come home first (the copy reads memory), then the page is copied. */
  copyPageByCpu(src: number, dst: number): void {
    this.flushPage(src);
    this.#content.copyPage(src, dst);
  }

  /**
   * Recalls every line of `pfn` so no cache keeps a copy of the frame's old
   * contents, then makes the home directory forget them (the frame's next
   * use reads zeroes, like its released contents), then hands the frame
   * back with `release` (the recall completes before this returns).
   */
  invalidatePage(pfn: number, release: () => void): void {
    this.stats.invalidations++;
    this.#recall(pfn);
    if (!this.#sys.forgetPage(pfn as Parameters<CoherentSystem['forgetPage']>[0])) throw new CdmsimError(`CoherentPages: a line of freed pfn ${pfn} is still busy after its recall`);
    release();
  }

  #recall(pfn: number): void {
    let done = false;
    this.#sys.flushPage(pfn as Parameters<CoherentSystem['flushPage']>[0], () => (done = true));
    this.#sys.run();
    if (!done) throw new CdmsimError(`CoherentPages: the recall of pfn ${pfn} did not complete`);
  }
}
