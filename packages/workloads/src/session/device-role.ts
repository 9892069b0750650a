/**
 * The session's role on a device: the test device (`DmirrorDevice`) over
 * the device's driver, one command table entry per `HMM_DMIRROR_*` ioctl.
 */
import { nodeId, pid as toPid } from '@cdmsim/engine';
import { Errno } from '@cdmsim/mm';
import type { NodeKernel } from '@cdmsim/kernel';
import type { DmirrorDevice, DmirrorRange, DmirrorResult } from '@cdmsim/platform';
import type { DeviceCommand } from './commands.js';

type RangeCommand = Extract<DeviceCommand, { host: number }>;
type DeviceWideCommand = Exclude<DeviceCommand, { host: number }>;

/** The test device's commands on one device node. */
export class SessionDevice {
  readonly #kernel: NodeKernel;
  /** One handler per range op: the command table. */
  readonly #ranges: { readonly [K in RangeCommand['op']]: (r: DmirrorRange, cmd: RangeCommand, done: (r: DmirrorResult) => void) => void };
  /** One handler per command on the whole device. */
  readonly #deviceWide: { readonly [K in DeviceWideCommand['op']]: (done: (r: DmirrorResult) => void) => void };

  constructor(kernel: NodeKernel, dmirror: DmirrorDevice) {
    this.#kernel = kernel;
    this.#ranges = {
      read: (r, _c, done) => dmirror.read(r, done),
      write: (r, c, done) => {
        const bytes = r.npages * kernel.topology.pageSizeBytes;
        if (!c.data || c.data.length !== bytes) return done({ errno: Errno.EINVAL, cpages: 0, faults: 0 });
        dmirror.write(r, c.data, done);
      },
      migrateToDevice: (r, _c, done) => dmirror.migrateToDevice(r, done),
      migrateToSystem: (r, _c, done) => dmirror.migrateToSystem(r, done),
      snapshot: (r, _c, done) => dmirror.snapshot(r, done),
      exclusive: (r, _c, done) => dmirror.exclusive(r, done),
      checkExclusive: (r, _c, done) => dmirror.checkExclusive(r, done),
    };
    this.#deviceWide = {
      release: (done) => dmirror.release(done),
      failNextAlloc: (done) => dmirror.failNextAlloc(done),
    };
  }

  /** Runs `cmd`; `done` gets its result (EINVAL for an unknown command, a misaligned or empty range, or a host that is not a CPU node). */
  command(cmd: DeviceCommand, done: (r: DmirrorResult) => void): void {
    if (!('host' in cmd)) {
      const wide = this.#deviceWide[cmd.op] as ((done: (r: DmirrorResult) => void) => void) | undefined;
      return wide ? wide(done) : done({ errno: Errno.EINVAL, cpages: 0, faults: 0 });
    }
    const handler = this.#ranges[cmd.op];
    const pageSize = this.#kernel.topology.pageSizeBytes;
    const host = this.#kernel.topology.nodes[cmd.host];
    if (!handler || !host || host.kind !== 'cpu' || cmd.va % pageSize !== 0 || !(cmd.npages > 0)) return done({ errno: Errno.EINVAL, cpages: 0, faults: 0 });
    handler({ host: nodeId(cmd.host), pid: toPid(cmd.pid), vpn: cmd.va / pageSize, npages: cmd.npages }, cmd, done);
  }
}
