/**
 * CPU reads and writes of bytes at virtual addresses: walk the PTE, fault
 * when the entry does not allow the access, then copy through the
 * ContentStore under the page lock. A device-public page is accessed
 * directly (no fault) but each access is counted as bus traffic.
 */
import { PTE_DIRTY, PTE_YOUNG, PageType, pteAccessPermitted } from '@cdmsim/shm';
import { Errno, errPtr, isErrPtr, ptrErr } from './errno.js';
import { handleMmFault } from './fault.js';
import type { MmCore } from './mm-core.js';
import type { Process } from './address-space.js';

const MAX_ACCESS_RETRIES = 8;

/**
 * Returns the pfn the CPU can access at `vpn` for this access, faulting
 * (`handleMmFault`) as needed; or `errPtr(errno)`. A write marks the entry
 * dirty and young under the PTE lock, like the hardware walker
 * (`pte_mkdirty` + `pte_mkyoung`). Callers that move the data themselves
 * (through a cache) use it directly. Caller holds the mmap lock for read.
 */
export function accessPfn(core: MmCore, proc: Process, vpn: number, write: boolean): number {
  const pt = core.pageTables;
  // A PROT_NONE VMA keeps its present entries (pte_protnone): the access faults, and the fault refuses it (EFAULT).
  const vma = proc.findVma(vpn);
  if (!vma || !vma.read) return errPtr(Errno.EFAULT);
  for (let i = 0; i < MAX_ACCESS_RETRIES; i++) {
    const pte = pt.lookup(proc.root, vpn);
    if (pte >= 0) {
      const bits = pt.readBits(pte);
      if (pteAccessPermitted(bits, write)) {
        const pfn = pt.readPfn(pte);
        if (write && !(bits & PTE_DIRTY)) {
          // Re-read under the PTE lock: set the bits on the entry as it is now, and look again if it changed meanwhile.
          const marked = core.withPteLock(pte, () => {
            const cur = pt.readBits(pte);
            if (!pteAccessPermitted(cur, true) || pt.readPfn(pte) !== pfn) return false;
            pt.write(pte, pfn, cur | PTE_DIRTY | PTE_YOUNG);
            return true;
          });
          if (!marked) continue;
        }
        if (core.frames.pageType(pfn) === PageType.DEVICE_PUBLIC) {
          const node = core.frames.memNode(pfn);
          core.stats.cpuAccessesToDevice.set(node, (core.stats.cpuAccessesToDevice.get(node) ?? 0) + 1);
        }
        return pfn;
      }
    }
    const r = handleMmFault(core, proc, vpn, write);
    if (r !== Errno.OK) return errPtr(r);
  }
  return errPtr(Errno.EAGAIN);
}

/**
 * Copies `length` bytes at virtual address `va` of `proc` into a new array.
 * Returns the bytes or an Errno (EFAULT, ENOMEM, EAGAIN). Caller holds the
 * mmap lock for read.
 */
export function readBytes(core: MmCore, proc: Process, va: number, length: number): Uint8Array | Errno {
  const out = new Uint8Array(length);
  const ps = core.pageSize;
  for (let done = 0; done < length; ) {
    const addr = va + done;
    const vpn = Math.floor(addr / ps);
    const off = addr - vpn * ps;
    const n = Math.min(ps - off, length - done);
    const pfn = accessPfn(core, proc, vpn, false);
    if (isErrPtr(pfn)) return ptrErr(pfn);
    const dst = out.subarray(done, done + n);
    if (pfn === core.zeroPfn) dst.fill(0);
    else core.withPageLock(pfn, () => core.content.read(pfn, off, dst));
    done += n;
  }
  return out;
}

/**
 * Writes `data` at virtual address `va` of `proc`, faulting pages in (COW,
 * device-private fault-back). Returns OK or an Errno. Caller holds the
 * mmap lock for read.
 */
export function writeBytes(core: MmCore, proc: Process, va: number, data: Uint8Array): Errno {
  const ps = core.pageSize;
  for (let done = 0; done < data.length; ) {
    const addr = va + done;
    const vpn = Math.floor(addr / ps);
    const off = addr - vpn * ps;
    const n = Math.min(ps - off, data.length - done);
    const pfn = accessPfn(core, proc, vpn, true);
    if (isErrPtr(pfn)) return ptrErr(pfn);
    core.withPageLock(pfn, () => core.content.write(pfn, off, data.subarray(done, done + n)));
    done += n;
  }
  return Errno.OK;
}
