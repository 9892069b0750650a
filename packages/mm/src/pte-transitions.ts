/**
 * The PTE state table: for every entry kind × operation, the action the mm
 * takes, or an explicit reason why the pair cannot happen. Code dispatches
 * through `pteAction`, so the table is the behaviour; `renderPteTable`
 * renders it to Markdown for review.
 */
import { ProtocolViolation } from '@cdmsim/engine';
import { PteKind } from '@cdmsim/shm';

/** Operations that act on one PTE. */
export const PTE_OPS = ['zap', 'fork', 'wrprotect', 'cpu-read', 'cpu-write', 'migrate-collect', 'madvise-free', 'pagemap', 'memcg-move', 'range-fault'] as const;
/** One PTE operation. */
export type PteOp = (typeof PTE_OPS)[number];

/** A table cell: an action with its kernel source, or an illegal pair with the reason. */
export type PteCell = { readonly action: string; readonly kernel: string } | { readonly illegal: string };

const K = PteKind;
type Row = Readonly<Record<PteKind, PteCell>>;
const a = (action: string, kernel: string): PteCell => ({ action, kernel });

/** The table: op → kind → cell. */
export const PTE_TABLE: Readonly<Record<PteOp, Row>> = {
  zap: {
    [K.NONE]: a('skip', 'zap_pte_range: pte_none'),
    [K.PRESENT]: a('unmap-put', 'zap_pte_range: vm_normal_page(with_public) → rmap--, rss--, tlb gather put'),
    [K.DEVMAP]: a('unmap-put-if-public', 'zap_pte_range: _vm_normal_page(..., true): public page like PRESENT; host page just cleared'),
    [K.DEVICE_PRIVATE]: a('unmap-put-device', 'zap_pte_range: is_device_private_entry → rss--, rmap--, put_page'),
    [K.MIGRATION]: a('clear-count-rss', 'zap_pte_range: is_migration_entry → rss-- (rmap was dropped at unmap)'),
    [K.ZERO]: a('clear', 'zap_pte_range: zero pfn, no page'),
    [K.DEVICE_EXCLUSIVE]: a('unmap-put-exclusive', 'zap_pte_range: is_device_exclusive_entry → pfn_swap_entry_to_page; rss--, page_remove_rmap, put_page'),
  },
  fork: {
    [K.NONE]: a('skip', 'copy_pte_range: pte_none'),
    [K.PRESENT]: a('dup-get-page', 'copy_one_pte: COW mapping → wrprotect both; get_page + page_dup_rmap + rss++'),
    [K.DEVMAP]: a('dup-get-page-if-public', 'copy_one_pte: pte_devmap && is_device_public_page → get_page + dup_rmap + rss++ [2/6]'),
    [K.DEVICE_PRIVATE]: a('dup-device-private', 'copy_one_pte: device-private entry → get_page + dup_rmap + rss++; write entry made read for COW'),
    [K.MIGRATION]: { illegal: 'migrate_vma holds the mmap lock of every address space it unmaps until it restores the PTEs; fork needs it too' },
    [K.ZERO]: a('dup-zero', 'copy_one_pte: zero page copied, no refcount'),
    [K.DEVICE_EXCLUSIVE]: a('restore-exclusive-then-dup', 'copy_nonpresent_pte: is_device_exclusive_entry → try_restore_exclusive_pte, then copied as a present pte'),
  },
  wrprotect: {
    [K.NONE]: a('skip', 'change_pte_range: pte_none'),
    [K.PRESENT]: a('clear-write', 'change_pte_range: ptep_modify_prot'),
    [K.DEVMAP]: a('clear-write', 'change_pte_range: ptep_modify_prot'),
    [K.DEVICE_PRIVATE]: a('clear-entry-write', 'change_pte_range: is_write_device_private_entry → make_device_private_entry(page, 0)'),
    [K.MIGRATION]: a('clear-entry-write', 'change_pte_range: is_write_migration_entry → make_migration_entry_read'),
    [K.ZERO]: a('skip', 'zero page is never writable'),
    [K.DEVICE_EXCLUSIVE]: a('clear-entry-write', 'change_pte_range: is_writable_device_exclusive_entry → make_readable_device_exclusive_entry'),
  },
  'cpu-read': {
    [K.NONE]: a('fault', 'handle_pte_fault: do_anonymous_page / do_fault'),
    [K.PRESENT]: a('access', 'direct access'),
    [K.DEVMAP]: a('access-device', 'direct, coherent access; public page: every access crosses the bus'),
    [K.DEVICE_PRIVATE]: a('device-fault', 'do_swap_page: is_device_private_entry → pgmap->page_fault'),
    [K.MIGRATION]: a('wait-migration', 'do_swap_page: migration_entry_wait, then retry'),
    [K.ZERO]: a('access-zero', 'reads zeroes'),
    [K.DEVICE_EXCLUSIVE]: a('restore-exclusive', 'do_swap_page: is_device_exclusive_entry → remove_device_exclusive_entry (the device loses the page), then retry'),
  },
  'cpu-write': {
    [K.NONE]: a('fault', 'handle_pte_fault: do_anonymous_page / do_fault'),
    [K.PRESENT]: a('access-or-wp-fault', 'direct if pte_write, else do_wp_page'),
    [K.DEVMAP]: a('access-device-or-wp-fault', 'direct (over the bus for public) if pte_write, else do_wp_page'),
    [K.DEVICE_PRIVATE]: a('device-fault', 'do_swap_page: is_device_private_entry → pgmap->page_fault'),
    [K.MIGRATION]: a('wait-migration', 'do_swap_page: migration_entry_wait, then retry'),
    [K.ZERO]: a('cow-from-zero', 'do_wp_page → wp_page_copy from the zero page'),
    [K.DEVICE_EXCLUSIVE]: a('restore-exclusive', 'do_swap_page: is_device_exclusive_entry → remove_device_exclusive_entry (the device loses the page), then retry'),
  },
  'migrate-collect': {
    [K.NONE]: a('collect-empty', 'migrate_vma_collect_hole / pte_none: MIGRATE if anonymous vma'),
    [K.PRESENT]: a('collect-page', 'migrate_vma_collect_pmd: _vm_normal_page(..., true)'),
    [K.DEVMAP]: a('collect-page-if-public', 'migrate_vma_collect_pmd: public page collected; migrate_vma_check_page refuses other ZONE_DEVICE'),
    [K.DEVICE_PRIVATE]: a('collect-device-private', 'migrate_vma_collect_pmd: device_private_entry_to_page'),
    [K.MIGRATION]: a('skip', 'migrate_vma_collect_pmd: other swap entries are skipped'),
    [K.ZERO]: a('collect-empty', 'migrate_vma_collect_pmd: is_zero_pfn → MIGRATE without a source page'),
    [K.DEVICE_EXCLUSIVE]: a('skip', 'migrate_vma_collect_pmd: other swap entries (device-exclusive) are skipped'),
  },
  'madvise-free': {
    [K.NONE]: a('skip', 'madvise_free_pte_range: pte_none'),
    [K.PRESENT]: a('clean-if-exclusive', 'madvise_free_pte_range: PageDirty and mapcount != 1 → skip; else ClearPageDirty, mkold + mkclean, mark_page_lazyfree'),
    [K.DEVMAP]: a('clean-if-exclusive', 'madvise_free_pte_range: _vm_normal_page(..., true) [2/6]; not on LRU, so no lazyfree'),
    [K.DEVICE_PRIVATE]: a('skip', 'madvise_free_pte_range: non_swap_entry → continue'),
    [K.MIGRATION]: a('skip', 'madvise_free_pte_range: non_swap_entry → continue'),
    [K.ZERO]: a('skip', 'no page'),
    [K.DEVICE_EXCLUSIVE]: a('skip', 'madvise_free_pte_range: non_swap_entry → continue'),
  },
  pagemap: {
    [K.NONE]: a('report-none', 'pte_to_pagemap_entry: nothing'),
    [K.PRESENT]: a('report-present', 'PM_PRESENT + pfn'),
    [K.DEVMAP]: a('report-present', 'PM_PRESENT; _vm_normal_page(..., true) [2/6]'),
    [K.DEVICE_PRIVATE]: a('report-swap', 'PM_SWAP, device-private entry'),
    [K.MIGRATION]: a('report-swap', 'PM_SWAP, migration entry'),
    [K.ZERO]: a('report-present', 'PM_PRESENT, zero page'),
    [K.DEVICE_EXCLUSIVE]: a('report-swap', 'PM_SWAP, device-exclusive entry'),
  },
  'memcg-move': {
    [K.NONE]: a('skip', 'get_mctgt_type: MC_TARGET_NONE'),
    [K.PRESENT]: a('move-page', 'mc_handle_present_pte → MC_TARGET_PAGE (isolate_lru_page)'),
    [K.DEVMAP]: a('move-device', 'mc_handle_present_pte: public page, page_ref_add_unless(page, 1, 1) → MC_TARGET_DEVICE [5/6]'),
    [K.DEVICE_PRIVATE]: a('move-device', 'mc_handle_swap_pte: device_private_entry_to_page → MC_TARGET_DEVICE [5/6]'),
    [K.MIGRATION]: a('skip', 'mc_handle_swap_pte: non_swap_entry'),
    [K.ZERO]: a('skip', 'no page'),
    [K.DEVICE_EXCLUSIVE]: a('skip', 'mc_handle_swap_pte: non_swap_entry other than device-private → MC_TARGET_NONE'),
  },
  'range-fault': {
    [K.NONE]: a('fault-or-none', 'hmm_vma_walk_hole / hmm_vma_handle_pte: pte_none → handle_mm_fault if the range asks to fault, else no entry'),
    [K.PRESENT]: a('snapshot', 'hmm_vma_handle_pte: pfn + HMM_PFN_VALID (+ WRITE if pte_write); a write request on a read-only entry faults first'),
    [K.DEVMAP]: a('snapshot', 'hmm_vma_handle_pte: a public (CDM) or host page is mapped directly: pfn + VALID (+ WRITE)'),
    [K.DEVICE_PRIVATE]: a('device-private', 'hmm_vma_handle_pte: the caller\'s own device-private page is reported as is (VALID, + WRITE for a write entry); another device\'s is faulted back to RAM when the range asks to fault, else no entry'),
    [K.MIGRATION]: a('busy', 'hmm_vma_handle_pte: is_migration_entry → migration_entry_wait, -EBUSY: the caller retries'),
    [K.ZERO]: a('snapshot-zero', 'hmm_vma_handle_pte: the zero page, VALID read-only; a write request faults (COW) first'),
    [K.DEVICE_EXCLUSIVE]: a('fault-or-none', 'hmm_vma_handle_pte: is_device_exclusive_entry → handle_mm_fault (restores it) if the range asks to fault, else no entry'),
  },
};

/** Every PTE kind the table covers. */
export const PTE_KINDS: readonly PteKind[] = [K.NONE, K.PRESENT, K.DEVMAP, K.DEVICE_PRIVATE, K.MIGRATION, K.ZERO, K.DEVICE_EXCLUSIVE];

/**
 * Returns the action for (`op`, `kind`). Throws ProtocolViolation naming
 * the table, state, event and address (`pid <pid> vpn <vpn>`, or `?` when
 * either is not given) for an illegal or missing pair; the address is
 * formatted only then, so callers on per-PTE paths pay nothing for it.
 * Needs no lock itself; callers hold the PTE lock (or read a snapshot) of
 * the entry whose `kind` they pass.
 */
export function pteAction(op: PteOp, kind: PteKind, pid?: number, vpn?: number): string {
  const cell = PTE_TABLE[op][kind] as PteCell | undefined;
  if (!cell || 'illegal' in cell) {
    const address = pid === undefined || vpn === undefined ? '?' : `pid ${pid} vpn ${vpn}`;
    throw new ProtocolViolation('PTE table', PteKind[kind] ?? String(kind), op, address);
  }
  return cell.action;
}

/** Renders the table as Markdown (rows = operations, columns = PTE kinds). */
export function renderPteTable(): string {
  const head = `| op \\ kind | ${PTE_KINDS.map((k) => PteKind[k]).join(' | ')} |`;
  const sep = `|---|${PTE_KINDS.map(() => '---').join('|')}|`;
  const rows = PTE_OPS.map((op) => {
    const cells = PTE_KINDS.map((k) => {
      const c = PTE_TABLE[op][k];
      return 'illegal' in c ? `**illegal**: ${c.illegal}` : `\`${c.action}\` (${c.kernel})`;
    });
    return `| ${op} | ${cells.join(' | ')} |`;
  });
  return [head, sep, ...rows].join('\n');
}
