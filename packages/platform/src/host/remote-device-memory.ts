/**
 * A CPU node's stand-in for a device's pagemap callbacks (`dev_pagemap_ops`)
 * when the driver runs on the device's worker. `pageFree` becomes a
 * PageFree message to the device; `fault` (the CPU touched a device-private
 * entry) cannot wait for the driver inside a synchronous call, so it
 * records the fault and returns EAGAIN (VM_FAULT_RETRY); the CPU node's
 * executor then runs the migration back to RAM with the device doing the
 * copy, and retries the access. It also tracks the device pages this CPU
 * node holds (received from the driver, not yet freed): the invariant
 * checker's view of "in use" for this node.
 */
import { InvariantViolation, type NodeId, type Pid } from '@cdmsim/engine';
import { Errno, type DevicePagemapOps } from '@cdmsim/mm';
import type { NodeKernel } from '@cdmsim/kernel';

/** A CPU access that hit a device-private entry and waits for the driver. */
export interface PendingDeviceFault {
  readonly pid: Pid;
  readonly vpn: number;
}

/** The device's pagemap callbacks as seen from one CPU node. */
export class RemoteDeviceMemory implements DevicePagemapOps {
  readonly device: NodeId;
  readonly #kernel: NodeKernel;
  readonly #held = new Set<number>();
  /** Device-private faults waiting for the driver, oldest first. */
  readonly pendingFaults: PendingDeviceFault[] = [];
  /** PageFree messages sent. */
  pageFreesSent = 0;

  constructor(kernel: NodeKernel, device: NodeId) {
    this.#kernel = kernel;
    this.device = device;
  }

  /** Records that the driver handed this node `pfn` (a migration destination). */
  received(pfn: number): void {
    if (this.#held.has(pfn)) throw new InvariantViolation(`node ${this.#kernel.spec.name}: device pfn ${pfn} handed out twice by node ${this.device}`, this.#kernel.seed);
    this.#held.add(pfn);
  }

  /** Whether this node holds device page `pfn`. */
  holds(pfn: number): boolean {
    return this.#held.has(pfn);
  }

  /**
   * Returns the pages of this device held on this node (the invariant
   * checker's "in use"): the live set, not a copy; callers only iterate it,
   * on this CPU node's worker.
   */
  inUsePages(): Iterable<number> {
    return this.#held;
  }

  /** `page_free`: the page went idle here; hand it back to the driver. Caller is the ZONE_DEVICE put path. */
  pageFree(pfn: number): void {
    if (!this.#held.delete(pfn)) throw new InvariantViolation(`node ${this.#kernel.spec.name}: page_free of device pfn ${pfn} this node does not hold`, this.#kernel.seed);
    this.pageFreesSent++;
    this.#kernel.send(this.device, { pageFree: { pfn } });
  }

  /** `page_fault` of a device-private entry: recorded for the executor; returns EAGAIN (retry once the page is back in RAM). */
  fault(pid: Pid, vpn: number): Errno {
    this.pendingFaults.push({ pid, vpn });
    return Errno.EAGAIN;
  }
}
