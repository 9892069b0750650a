/**
 * The commands of a session (plain, structured-cloneable data) and their
 * results. CPU commands act on processes of the CPU node they are sent to,
 * as a test program's system calls and loads and stores; device commands
 * are the test device's ioctls (`lib/test_hmm.c`, `HMM_DMIRROR_*`) on the
 * device they are sent to, naming the process by its CPU node and pid.
 * Every result carries `errno` (0 = OK, else the kernel's positive errno).
 */
import type { DmirrorResult } from '@cdmsim/platform';

/** A command for a CPU node's processes. */
export type CpuCommand =
  | { readonly op: 'spawn' }
  | { readonly op: 'mmap'; readonly pid: number; readonly bytes: number; readonly shared?: boolean; readonly file?: string; readonly read?: boolean; readonly write?: boolean }
  | { readonly op: 'munmap'; readonly pid: number; readonly va: number; readonly bytes: number }
  | { readonly op: 'mprotect'; readonly pid: number; readonly va: number; readonly bytes: number; readonly write: boolean; readonly read?: boolean }
  | { readonly op: 'gup'; readonly pid: number; readonly va: number; readonly npages: number; readonly write?: boolean; readonly longterm?: boolean }
  | { readonly op: 'fork'; readonly pid: number }
  | { readonly op: 'read'; readonly pid: number; readonly va: number; readonly size: number }
  | { readonly op: 'write'; readonly pid: number; readonly va: number; readonly data: Uint8Array }
  | { readonly op: 'exit'; readonly pid: number }
  | { readonly op: 'processes' };

/** What a CPU command returns: `errno`, plus `pid` (spawn, fork), `va` (mmap), `data` (read), `pids` (processes). */
export interface CpuResult {
  readonly errno: number;
  readonly pid?: number;
  readonly va?: number;
  readonly data?: Uint8Array;
  readonly pids?: readonly number[];
}

/** The test device's range commands (`HMM_DMIRROR_READ`, `_WRITE`, `_MIGRATE_TO_DEV`, `_MIGRATE_TO_SYS`, `_SNAPSHOT`, `_EXCLUSIVE`, `_CHECK_EXCLUSIVE`). */
export const DMIRROR_RANGE_OPS = ['read', 'write', 'migrateToDevice', 'migrateToSystem', 'snapshot', 'exclusive', 'checkExclusive'] as const;

/** A test-device command for a device node: a range of process `pid` of CPU node `host` (`va` page-aligned), `release`, or `failNextAlloc` (`HMM_DMIRROR_FLAGS` with `HMM_DMIRROR_FLAG_FAIL_ALLOC`). */
export type DeviceCommand =
  | { readonly op: (typeof DMIRROR_RANGE_OPS)[number]; readonly host: number; readonly pid: number; readonly va: number; readonly npages: number; readonly data?: Uint8Array }
  | { readonly op: 'release' }
  | { readonly op: 'failNextAlloc' };

/** What a device command returns (`struct hmm_dmirror_cmd` after the ioctl, with `errno`). */
export type DeviceResult = DmirrorResult;
