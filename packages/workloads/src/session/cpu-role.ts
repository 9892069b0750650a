/**
 * The session's role on a CPU node: the node's processes and the test
 * program's calls on them (mmap of anonymous memory or files, munmap,
 * mprotect, fork, loads and stores, the gup_test pins, exit), one at a time as the process's mmap lock would have them, and the
 * device drivers' requests only the lock holder serves (range migrations,
 * evictions), served whenever no call runs.
 */
import { CdmsimError, pid as toPid } from '@cdmsim/engine';
import { Errno, isErrPtr, mmap, ptrErr, type PageCache, type Process } from '@cdmsim/mm';
import type { NodeKernel } from '@cdmsim/kernel';
import type { Host, UserMemory } from '@cdmsim/platform';
import type { CpuCommand, CpuResult } from './commands.js';

type Handler<C extends CpuCommand> = (cmd: C, done: (r: CpuResult) => void) => void;

/** The processes of one CPU node and the calls the session makes on them. */
export class SessionCpu {
  readonly #kernel: NodeKernel;
  readonly #host: Host;
  readonly #user: UserMemory;
  /** Calls waiting for the lock, oldest first. */
  readonly #queue: (() => void)[] = [];
  #busy = false;
  /** Files the session's processes map, by name. */
  readonly #files = new Map<string, PageCache>();
  /** One handler per op: the command table. */
  readonly #handlers: { readonly [K in CpuCommand['op']]: Handler<Extract<CpuCommand, { op: K }>> };

  constructor(kernel: NodeKernel, host: Host, user: UserMemory) {
    this.#kernel = kernel;
    this.#host = host;
    this.#user = user;
    host.onPlacementRequest(() => this.#kick());
    host.onEvictionRequest(() => this.#kick());
    const pageSize = kernel.topology.pageSizeBytes;
    const pages = (bytes: number): number => Math.ceil(bytes / pageSize);
    const range = (va: number, bytes: number): { vpn: number; pages: number } | null => (va % pageSize === 0 && bytes > 0 ? { vpn: va / pageSize, pages: pages(bytes) } : null);
    this.#handlers = {
      spawn: (_c, done) => done({ errno: 0, pid: this.#host.spawn().pid }),
      mmap: (c, done) =>
        this.#withProcess(c.pid, done, (proc) => {
          if (!(c.bytes > 0)) return done({ errno: Errno.EINVAL });
          const prot = { pages: pages(c.bytes), read: c.read ?? true, write: c.write ?? true };
          const vpn = c.file !== undefined ? mmap(host.core, proc, { ...prot, kind: c.shared ? 'file-shared' : 'file-private', cache: this.#file(c.file) }) : mmap(host.core, proc, { ...prot, kind: c.shared ? 'shmem' : 'anon' });
          done(isErrPtr(vpn) ? { errno: ptrErr(vpn) } : { errno: 0, va: vpn * pageSize });
        }),
      munmap: (c, done) =>
        this.#withProcess(c.pid, done, (proc) => {
          const r = range(c.va, c.bytes);
          if (!r) return done({ errno: Errno.EINVAL });
          host.munmap(proc, r.vpn, r.pages, (errno) => done({ errno }));
        }),
      mprotect: (c, done) =>
        this.#withProcess(c.pid, done, (proc) => {
          const r = range(c.va, c.bytes);
          if (!r) return done({ errno: Errno.EINVAL });
          host.mprotect(proc, r.vpn, r.pages, c.write, (errno) => done({ errno }), c.read ?? true);
        }),
      gup: (c, done) =>
        this.#withProcess(c.pid, done, (proc) => {
          const r = range(c.va, c.npages * pageSize);
          if (!r) return done({ errno: Errno.EINVAL });
          host.gupTest(proc, r.vpn, r.pages, { write: c.write ?? false, longterm: c.longterm ?? false }, (errno) => done({ errno }));
        }),
      fork: (c, done) => this.#withProcess(c.pid, done, (proc) => host.fork(proc, (child) => done({ errno: 0, pid: child.pid }))),
      read: (c, done) => this.#withProcess(c.pid, done, (proc) => this.#user.read(proc, c.va, c.size, (r) => done(typeof r === 'number' ? { errno: r } : { errno: 0, data: r }))),
      write: (c, done) => this.#withProcess(c.pid, done, (proc) => this.#user.write(proc, c.va, c.data, (errno) => done({ errno }))),
      exit: (c, done) => this.#withProcess(c.pid, done, (proc) => host.exit(proc, () => done({ errno: 0 }))),
      processes: (_c, done) => done({ errno: 0, pids: [...host.core.processes.keys()] }),
    };
  }

  /** Runs `cmd` when the lock is free; `done` gets its result. */
  command(cmd: CpuCommand, done: (r: CpuResult) => void): void {
    const handler = this.#handlers[cmd.op] as Handler<CpuCommand> | undefined;
    if (!handler) return done({ errno: Errno.EINVAL });
    this.#queue.push(() =>
      handler(cmd, (r) => {
        this.#busy = false;
        done(r);
        this.#kick();
      }),
    );
    this.#kick();
  }

  /** Pids of the processes still running on this node. */
  get live(): number[] {
    return [...this.#host.core.processes.keys()];
  }

  /** Starts the next call, or serves a driver's request, when nothing holds the lock. */
  #kick(): void {
    if (this.#busy) return;
    const release = (): void => {
      this.#busy = false;
      this.#kick();
    };
    const placement = this.#host.takePlacement();
    if (placement) {
      this.#busy = true;
      return this.#host.servePlacement(placement, release);
    }
    const eviction = this.#host.takeEviction();
    if (eviction) {
      this.#busy = true;
      return this.#host.serveEviction(eviction, release);
    }
    const next = this.#queue.shift();
    if (!next) return;
    this.#busy = true;
    next();
  }

  /** The page cache of the file named `name` on this node (created empty, as `O_TMPFILE` + `ftruncate`, on first use). */
  #file(name: string): PageCache {
    let cache = this.#files.get(name);
    if (!cache) {
      cache = this.#host.core.createCache(`session-file-${name}`, false);
      this.#files.set(name, cache);
    }
    return cache;
  }

  #withProcess(pid: number, done: (r: CpuResult) => void, then: (proc: Process) => void): void {
    const proc = this.#host.core.processes.get(toPid(pid));
    if (!proc) return done({ errno: Errno.ESRCH });
    if (proc.cpuNode !== (this.#kernel.self as number)) throw new CdmsimError(`node ${this.#kernel.spec.name}: process ${pid} belongs to node ${proc.cpuNode}`);
    then(proc);
  }
}
