/**
 * Test and benchmark fixture: Debian's redis-server (`.ci/run` installs it)
 * started on a free loopback port, without persistence, for sweeps through
 * BullMQ. Not exported by the package's main entry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { CdmsimError } from '@cdmsim/engine';

/** Where redis-server is taken from: `REDIS_SERVER_PATH`, else Debian's path. */
export const REDIS_SERVER = process.env['REDIS_SERVER_PATH'] ?? '/usr/bin/redis-server';

/** A running redis-server and how to reach it. */
export interface LoopbackRedis {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Kills the server (SIGKILL: nothing to save). */
  stop(): void;
}

/** Returns a loopback port no socket listens on right now. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `command args` and resolves with the child once a line of its
 * output (stdout or stderr) matches `ready`; every line goes to `log`.
 * @throws CdmsimError (as a rejection) when the child exits before it is ready, with its output.
 */
export function startUntilReady(command: string, args: readonly string[], ready: RegExp, log: string[] = []): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = false;
    const onData = (chunk: Buffer): void => {
      log.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      if (!seen && log.some((l) => ready.test(l))) {
        seen = true;
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      if (!seen) reject(new CdmsimError(`${command} ${args.join(' ')} exited with ${code} before it was ready:\n${log.join('\n')}`));
    });
  });
}

/**
 * Starts redis-server on a free loopback port (no RDB, no AOF) and
 * resolves once it accepts connections.
 * @throws CdmsimError (as a rejection) when there is no redis-server at REDIS_SERVER, naming how to install it.
 */
export async function startLoopbackRedis(): Promise<LoopbackRedis> {
  if (!existsSync(REDIS_SERVER)) {
    throw new CdmsimError(`no redis-server at ${REDIS_SERVER}: install Debian's redis-server (apt-get install redis-server, as .ci/run does) or set REDIS_SERVER_PATH`);
  }
  const port = await freeLoopbackPort();
  const child = await startUntilReady(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/);
  return { url: `redis://127.0.0.1:${port}`, stop: () => void child.kill('SIGKILL') };
}
