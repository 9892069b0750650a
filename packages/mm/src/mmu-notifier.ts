/**
 * MMU-notifier-style invalidation: every CPU page-table change that removes
 * or downgrades a mapping first calls `invalidateRangeStart` of each
 * subscriber of the address space, then `invalidateRangeEnd` after the
 * change. The event kind and owner let a device mirror skip its own
 * migrations (`mmu_notifier_range`, `MMU_NOTIFY_*`).
 */
import type { Pid } from '@cdmsim/engine';

/** Why a range is invalidated (`enum mmu_notifier_event`). */
export enum MmuNotifyEvent {
  /** munmap / zap / exit: the mapping goes away. */
  UNMAP = 'unmap',
  /** madvise DONTNEED / FREE or a page clear. */
  CLEAR = 'clear',
  /** mprotect downgrade of a whole VMA. */
  PROTECTION_VMA = 'protection-vma',
  /** Write-protect of single pages (fork COW). */
  PROTECTION_PAGE = 'protection-page',
  /** migrate_vma collect: pages become migration entries. */
  MIGRATE = 'migrate',
  /** The address space is torn down (exit). */
  RELEASE = 'release',
  /** A device takes pages for exclusive (atomic) access, or the CPU takes them back (`MMU_NOTIFY_EXCLUSIVE`). */
  EXCLUSIVE = 'exclusive',
}

/** One invalidation: [startVpn, endVpn) of process `pid`. */
export interface MmuNotifierRange {
  readonly pid: Pid;
  readonly startVpn: number;
  readonly endVpn: number;
  readonly event: MmuNotifyEvent;
  /** Who caused it (e.g. the migrating driver's tag), or null for the CPU kernel. */
  readonly owner: string | null;
}

/** A subscriber (e.g. a device mirror). Callbacks run synchronously before/after the page-table change. */
export interface MmuNotifierSubscriber {
  invalidateRangeStart(range: MmuNotifierRange): void;
  invalidateRangeEnd?(range: MmuNotifierRange): void;
}

/** The subscriber list of one address space (`mm->notifier_subscriptions`); owned by the process's CPU node. */
export class MmuNotifierChain {
  readonly #subs: MmuNotifierSubscriber[] = [];

  /** Registers a subscriber (`mmu_notifier_register`). */
  register(sub: MmuNotifierSubscriber): void {
    this.#subs.push(sub);
  }

  /**
   * Runs `change` between `invalidate_range_start` and `_end` of every
   * subscriber; returns what `change` returns. Caller holds the mmap lock.
   */
  around<T>(range: MmuNotifierRange, change: () => T): T {
    for (const s of this.#subs) s.invalidateRangeStart(range);
    try {
      return change();
    } finally {
      for (const s of this.#subs) s.invalidateRangeEnd?.(range);
    }
  }
}
