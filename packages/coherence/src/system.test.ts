import { describe, expect, it } from 'vitest';
import { nodeId, pfn } from '@cdmsim/engine';
import { buildSystem, lineAt, loadNow, storeNow } from './test-fixtures.js';
import { CacheController } from './cache-controller.js';
import { smallTopology } from './small-topology.js';

// Small topology: nodes 0,1 CPUs; 2,3 GPUs. Default home = page mod 4.
describe('CoherentSystem', () => {
  it('a CPU read of device-public memory crosses the bus line by line: GetS + DataE, latency ≥ 2 link hops + memory', () => {
    const sys = buildSystem();
    const line = lineAt(sys, 2); // home gpu0 (node 2), linked to cpu0 by a 200 ns link
    const { value, latencyPs } = loadNow(sys, 0, line);
    expect(value).toBe(0);
    expect(sys.networkStats!.byType).toEqual({ GetS: 1, DataE: 1 });
    expect(latencyPs).toBeGreaterThan(2 * 200_000 + 400_000);
    expect(loadNow(sys, 0, line).latencyPs).toBe(12_000); // now a hit at the CPU cache's hit latency
  });

  it('a CPU never caches device-private memory: the access is refused as a value', () => {
    const sys = buildSystem({ gpuMemoryKind: 'private' });
    expect(sys.load(nodeId(0), lineAt(sys, 2), () => {})).toBe('device-private-memory');
    expect(sys.load(nodeId(2), lineAt(sys, 2), () => {})).toBeUndefined();
  });

  it('a write invalidates the other copies and later reads see it everywhere', () => {
    const sys = buildSystem();
    const line = lineAt(sys, 0);
    for (const a of [0, 1, 2, 3]) loadNow(sys, a, line);
    storeNow(sys, 3, line, 42);
    for (const a of [0, 1, 2]) expect(sys.cache(nodeId(a)).stateOf(line)).toBe('I');
    expect(sys.cache(nodeId(3)).stateOf(line)).toBe('M');
    for (const a of [0, 1, 2]) expect(loadNow(sys, a, line).value).toBe(42);
    expect(sys.cache(nodeId(3)).stateOf(line)).toBe('O');
  });

  it('flushPage completes only when every copy is gone and memory holds the last write', () => {
    const sys = buildSystem();
    const [a, b] = [lineAt(sys, 1, 0), lineAt(sys, 1, 1)];
    storeNow(sys, 2, a, 7);
    loadNow(sys, 0, a);
    storeNow(sys, 3, b, 9);
    let done = false;
    sys.flushPage(pfn(1), () => (done = true));
    expect(done).toBe(false);
    sys.run();
    expect(done).toBe(true);
    for (const n of [0, 1, 2, 3]) for (const l of [a, b]) expect(sys.cache(nodeId(n)).stateOf(l)).toBe('I');
    const dir = sys.directory(sys.homeOf(a));
    expect([dir.entryOf(a).memory, dir.entryOf(b).memory]).toEqual([7, 9]);
    expect(loadNow(sys, 1, a).value).toBe(7);
  });

  it('a conflict miss writes back the dirty victim (PutM with a line of data)', () => {
    const sys = buildSystem({ cacheSets: 1, cacheWays: 1 });
    storeNow(sys, 0, lineAt(sys, 0), 5);
    loadNow(sys, 0, lineAt(sys, 1));
    expect(sys.networkStats!.byType.PutM).toBe(1);
    expect(sys.directory(nodeId(0)).entryOf(lineAt(sys, 0)).memory).toBe(5);
  });
});

describe('CacheController effects', () => {
  const spec = smallTopology({ cpus: 1, gpus: 0 }).nodes[0]!.cache;
  const home = nodeId(3);
  it('I + Load sends one GetS (control payload) to the home directory and performs nothing yet', () => {
    const c = new CacheController({ node: nodeId(0), spec, homeOf: () => home });
    const step = c.coreRequest({ id: 1, kind: 'load', value: 0 }, 0x40);
    expect(step.transitions).toEqual([{ line: 0x40, from: 'I', event: 'Load', to: 'IS_D', effectsEnd: 1 }]);
    expect(step.effects).toEqual([
      { kind: 'send', delayPs: 0, msg: expect.objectContaining({ type: 'GetS', dst: { node: home, unit: 'dir' }, requester: { node: 0, unit: 'cache' }, sizeBytes: 8 }) },
    ]);
  });

  it('an illegal message throws ProtocolViolation naming the cache, state, event and address', () => {
    const c = new CacheController({ node: nodeId(0), spec, homeOf: () => home });
    const msg = { type: 'PutAck' as const, line: 0x80, src: { node: home, unit: 'dir' as const }, dst: c.self, requester: c.self, ackCount: 0, data: 0, sizeBytes: 8 };
    expect(() => c.receive(msg)).toThrow('Cache: no transition for state I on event PutAck at 0x80');
  });
});
