/**
 * Page contents as the model reads and writes them: every access takes the
 * page lock of its frame (`lock_page`) around the shared content store, so
 * a reader never sees half of a concurrent write in free mode, and in
 * deterministic mode a second worker touching the same page in one window
 * is caught as an ownership violation.
 */
import type { ContentStore, FrameTable } from '@cdmsim/shm';

/** Locked access to page contents. */
export class PageMemory {
  readonly #frames: FrameTable;
  readonly #content: ContentStore;

  constructor(frames: FrameTable, content: ContentStore) {
    this.#frames = frames;
    this.#content = content;
  }

  /** Copies `dst.length` bytes of page `pfn` from `offset` into `dst`. */
  read(pfn: number, offset: number, dst: Uint8Array): void {
    this.#frames.lockPage(pfn);
    try {
      this.#content.read(pfn, offset, dst);
    } finally {
      this.#frames.unlockPage(pfn);
    }
  }

  /** Writes `src` into page `pfn` at `offset`. */
  write(pfn: number, offset: number, src: Uint8Array): void {
    this.#frames.lockPage(pfn);
    try {
      this.#content.write(pfn, offset, src);
    } finally {
      this.#frames.unlockPage(pfn);
    }
  }

  /** Forgets the contents of a frame being freed (its next user reads zeroes). Caller owns the frame. */
  release(pfn: number): void {
    this.#content.release(pfn);
  }
}
