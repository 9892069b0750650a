/**
 * The hooks that let a directory's memory live outside it (the shared page
 * contents on the real simulator) and let a page copy read through a cache:
 * `initialValue` / `writeMemory` / `onTrack` of DirectoryController and
 * `CacheController.dataOf`.
 */
import { describe, expect, it } from 'vitest';
import { nodeId } from '@cdmsim/engine';
import { CacheController } from './cache-controller.js';
import { DirectoryController } from './directory-controller.js';
import type { DirEffect } from './directory-actions.js';
import type { CoherenceMsg, Endpoint, LineAddr, MsgType } from './messages.js';
import { smallTopology } from './small-topology.js';

const LINE: LineAddr = 0x1000;
const dirEnd: Endpoint = { node: nodeId(3), unit: 'dir' };
const cacheEnd: Endpoint = { node: nodeId(0), unit: 'cache' };

function msg(type: MsgType, src: Endpoint, dst: Endpoint, data = 0): CoherenceMsg {
  return { type, line: LINE, src, dst, requester: src.unit === 'cache' ? src : dst, ackCount: 0, data, sizeBytes: 8 };
}

function sent(effects: readonly DirEffect[]): CoherenceMsg[] {
  return effects.flatMap((e) => (e.kind === 'send' ? [e.msg] : []));
}

describe('directory memory outside the directory', () => {
  function world() {
    const memory = new Map<LineAddr, number>([[LINE, 42]]);
    const tracked: [LineAddr, number][] = [];
    const dir = new DirectoryController({
      node: dirEnd.node,
      lineBytes: 128,
      memoryLatencyPs: 1000,
      initialValue: (l) => memory.get(l) ?? 0,
      writeMemory: (l, v) => memory.set(l, v),
      onTrack: (l, v) => tracked.push([l, v]),
    });
    return { memory, tracked, dir };
  }

  it('a line entering the protocol is read from memory and reported once with that value', () => {
    const { tracked, dir } = world();
    const data = sent(dir.receive(msg('GetM', cacheEnd, dirEnd)).effects);
    expect(data.map((m) => [m.type, m.data])).toEqual([['Data', 42]]);
    expect(tracked).toEqual([[LINE, 42]]);
    dir.receive(msg('PutM', cacheEnd, dirEnd, 7));
    expect(tracked).toHaveLength(1);
  });

  it('a writeback writes memory through writeMemory; a recalled, forgotten line is read again from memory (a frame written by DMA)', () => {
    const { memory, tracked, dir } = world();
    dir.receive(msg('GetM', cacheEnd, dirEnd));
    dir.receive(msg('PutM', cacheEnd, dirEnd, 7));
    expect(memory.get(LINE)).toBe(7);
    expect(dir.forget(LINE)).toBe(true);
    memory.set(LINE, 9);
    const data = sent(dir.receive(msg('GetS', cacheEnd, dirEnd)).effects);
    expect(data.map((m) => m.data)).toEqual([9]);
    expect(tracked).toEqual([
      [LINE, 42],
      [LINE, 9],
    ]);
  });

  it('forget refuses a line a cache still holds', () => {
    const { dir } = world();
    dir.receive(msg('GetM', cacheEnd, dirEnd));
    expect(dir.forget(LINE)).toBe(false);
  });
});

describe('CacheController.dataOf', () => {
  const spec = { ...smallTopology({ cpus: 1, gpus: 0 }).nodes[0]!.cache, sizeBytes: 128, ways: 1 };
  it('holds the stored value in M and in the writeback buffer while the PutM is in flight, nothing before data or after the PutAck', () => {
    const c = new CacheController({ node: cacheEnd.node, spec, homeOf: () => dirEnd.node });
    c.coreRequest({ id: 1, kind: 'store', value: 5 }, LINE);
    expect(c.stateOf(LINE)).toBe('IM_AD');
    expect(c.dataOf(LINE)).toBeUndefined();
    c.receive({ ...msg('Data', dirEnd, cacheEnd, 42), requester: cacheEnd });
    expect(c.stateOf(LINE)).toBe('M');
    expect(c.dataOf(LINE)).toBe(5);
    c.coreRequest({ id: 2, kind: 'load', value: 0 }, LINE + 128); // the one way is taken: LINE is evicted
    expect(c.stateOf(LINE)).toBe('MI_A');
    expect(c.dataOf(LINE)).toBe(5);
    c.receive({ ...msg('PutAck', dirEnd, cacheEnd), requester: cacheEnd });
    expect(c.stateOf(LINE)).toBe('I');
    expect(c.dataOf(LINE)).toBeUndefined();
  });
});
