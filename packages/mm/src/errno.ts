/**
 * Expected outcomes of mm operations, returned as values like kernel error
 * codes (never thrown). Programming errors and rule violations throw typed
 * errors from `@cdmsim/engine` instead.
 */

/** Kernel-errno-like result codes. `OK` (0) means success. */
export enum Errno {
  OK = 0,
  EPERM = 1,
  ENOENT = 2,
  ESRCH = 3,
  EIO = 5,
  ENXIO = 6,
  EAGAIN = 11,
  ENOMEM = 12,
  EFAULT = 14,
  EBUSY = 16,
  EINVAL = 22,
  EOPNOTSUPP = 95,
}

/** Encodes an error as a negative number for functions that return a pfn / vpn or an error (`ERR_PTR`). */
export function errPtr(e: Errno): number {
  return -e;
}

/** Returns whether a pfn-or-error result is an error (`IS_ERR`). */
export function isErrPtr(v: number): boolean {
  return v < 0;
}

/** Returns the Errno of an error result (`PTR_ERR`). */
export function ptrErr(v: number): Errno {
  return -v as Errno;
}
