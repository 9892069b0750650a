/**
 * The executor's contract, checked on one node (its cache and the directory
 * of its own memory) with a host that records every call in one log: the
 * order of permissions, sends, performs, completions, recalls and watchdog
 * transactions is what both `CoherentSystem` and `CoherentNode` rely on.
 */
import { describe, expect, it } from 'vitest';
import { nodeId, type Ps } from '@cdmsim/engine';
import type { CoherenceMsg, LineAddr } from './messages.js';
import type { CoherenceHost } from './coherence-host.js';
import { NodeCoherence } from './node-coherence.js';
import { smallTopology } from './small-topology.js';

const cpu0 = nodeId(0);

/** One CPU whose 1-way, 1-set cache and directory talk through a network the test drains by hand. */
function world(shape: { gpuMemoryKind?: 'public' | 'private' } = {}) {
  const topology = smallTopology({ cpus: 1, gpus: 1, cacheSets: 1, cacheWays: 1, ...shape });
  const log: string[] = [];
  const inFlight: CoherenceMsg[] = [];
  const timers: (() => void)[] = [];
  let nextTxn = 1;
  const host: CoherenceHost = {
    nowPs: () => 0,
    after: (delayPs: Ps, fn) => {
      log.push(`after ${delayPs}`);
      timers.push(fn);
    },
    network: {
      send: (msg) => {
        log.push(`send ${msg.type}`);
        inFlight.push(msg);
      },
    },
    checks: {
      setPermission: (_n, line, p) => void log.push(`perm ${line} ${p}`),
      onStore: (_n, line, v) => void log.push(`store ${line}=${v}`),
      onLoad: (_n, line, v) => void log.push(`load ${line}=${v}`),
      checkMemory: (line, v) => void log.push(`memory ${line}=${v}`),
    },
    watchdog: {
      begin: (what) => {
        const id = nextTxn++;
        log.push(`begin #${id} ${what()}`);
        return id;
      },
      end: (id) => void log.push(`end #${id}`),
    },
  };
  const node = new NodeCoherence({ node: cpu0, topology, homeOf: (l) => (l >= topology.pageSizeBytes ? nodeId(1) : cpu0) }, host);
  /** Delivers every message in flight (and those they cause) in order. */
  const drain = (): void => {
    while (inFlight.length > 0) node.receive(inFlight.shift()!);
  };
  /** Runs the completions scheduled so far. */
  const fire = (): void => {
    for (const fn of timers.splice(0)) fn();
  };
  return { node, log, drain, fire, lineBytes: topology.nodes[0]!.cache.lineBytes };
}

describe('NodeCoherence: one node, effects in order', () => {
  it('a store miss: transaction, busy permission, then GetM; the granting transition records read-write before the store performs; the callback runs after the hit latency and closes the transaction', () => {
    const { node, log, drain, fire } = world();
    const L: LineAddr = 0;
    const done: number[] = [];
    expect(node.store(L, 5, (v) => done.push(v))).toBeUndefined();
    expect(log.splice(0)).toEqual(['begin #1 store of 0x0 (cache I; directory I sharers [])', 'perm 0 busy', 'send GetM']);
    drain();
    expect(log.splice(0)).toEqual(['send Data', 'perm 0 read-write', 'store 0=5', 'after 12000']);
    expect(done).toEqual([]);
    fire();
    expect(log.splice(0)).toEqual(['end #1']);
    expect(done).toEqual([5]);
  });

  it('a recall takes the line back from the owner and completes on the directory\'s recalled effect, after the memory check', () => {
    const { node, log, drain, fire } = world();
    node.store(0, 7, () => undefined);
    drain();
    fire();
    log.splice(0);
    let recalled = false;
    node.recall(0, () => (recalled = true));
    expect(log.splice(0)).toEqual(['begin #2 recall of 0x0 (cache M; directory EM owner cpu0 sharers [])', 'send FwdGetM']);
    drain();
    expect(log).toEqual(['perm 0 none', 'send Data', 'end #2', 'memory 0=7']);
    expect(recalled).toBe(true);
    expect(node.directory.entryOf(0).memory).toBe(7);
  });

  it('an eviction is a writeback transaction, opened before the victim gives up its permission, closed when its PutAck brings it to I', () => {
    const { node, log, drain, fire, lineBytes } = world();
    const [A, B] = [0, lineBytes];
    node.store(A, 1, () => undefined);
    drain();
    fire();
    log.splice(0);
    node.store(B, 2, () => undefined);
    expect(log.splice(0)).toEqual(['begin #2 store of 0x40 (cache I; directory I sharers [])', 'begin #3 writeback of 0x0 (cache MI_A; directory EM owner cpu0 sharers [])', 'perm 0 busy', 'send PutM', 'perm 64 busy', 'send GetM']);
    let written = false;
    expect(node.whenWritebacksDone(A, lineBytes, () => (written = true))).toBe(false);
    expect(node.describe()).toEqual(['cache@cpu0 0x40 IM_AD', 'cache@cpu0 0x0 MI_A']);
    drain();
    expect(written).toBe(true);
    expect(log).toContain('end #3');
    expect(node.whenWritebacksDone(A, lineBytes, () => undefined)).toBe(true);
  });

  it('a CPU is refused device-private memory as a value, with no transaction opened', () => {
    const { node, log } = world({ gpuMemoryKind: 'private' });
    const onGpu = 4096;
    expect(node.refuses(onGpu)).toBe(true);
    expect(node.load(onGpu, () => undefined)).toBe('device-private-memory');
    expect(log).toEqual([]);
  });
});
