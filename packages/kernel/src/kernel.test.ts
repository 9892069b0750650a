import { describe, expect, it } from 'vitest';
import { defaultTopology } from '@cdmsim/config';
import { nodeId } from '@cdmsim/engine';
import { RoutingTable } from '@cdmsim/bus';
import { BODY_KINDS } from '@cdmsim/proto';
import { MESSAGE_PORTS, receiverOf, renderMessagePorts } from './message-ports.js';
import { horizonDistances } from './lookahead.js';
import { ReactionViolation } from './kernel.js';
import { capturingKernel } from './testing/capturing-kernel.js';

const topology = defaultTopology();
const cpu0 = nodeId(0);
const kernel = (seed = 1, crashAfterEvents?: number) => capturingKernel(topology, cpu0, seed, crashAfterEvents);

describe('NodeKernel', () => {
  it('runs timers in time order and only those before the window end', () => {
    const { k } = kernel();
    const order: number[] = [];
    k.at(300, 'test', () => order.push(300));
    k.at(100, 'test', () => order.push(100));
    k.at(200, 'test', () => order.push(200));
    expect(k.runUntil(250)).toBe(2);
    expect(order).toEqual([100, 200]);
    expect(k.nowPs).toBe(200);
    expect(k.nextEventPs()).toBe(300);
  });

  it('runWithin stops at the bound (the bound time too unless inclusive) and sees the bound lowered by a running event', () => {
    const { k } = kernel();
    const order: number[] = [];
    const bound = { ps: 300, inclusive: false };
    k.at(100, 'test', () => {
      order.push(100);
      bound.ps = 200;
      bound.inclusive = true;
    });
    for (const t of [200, 250, 300]) k.at(t, 'test', () => order.push(t));
    expect(k.runWithin(bound)).toBe(2);
    expect(order).toEqual([100, 200]);
    bound.ps = 300;
    bound.inclusive = false;
    expect(k.runWithin(bound)).toBe(1);
    expect(k.nextEventPs()).toBe(300);
    bound.inclusive = true;
    expect(k.runWithin(bound)).toBe(1);
    bound.ps = Number.POSITIVE_INFINITY;
    expect(k.runWithin(bound)).toBe(0);
  });

  it('refuses a timer in the past', () => {
    const { k } = kernel();
    k.at(100, 'test', () => undefined);
    k.runUntil(1000);
    expect(() => k.at(50, 'test', () => undefined)).toThrow(/before now/);
  });

  it('routes a send to a far node over the first hop and stamps its arrival', () => {
    const { k, sent } = kernel();
    const gpu2 = topology.nodes.find((n) => n.name === 'gpu2')!.id;
    const cpu1 = topology.nodes.find((n) => n.name === 'cpu1')!.id;
    k.send(gpu2, { control: { op: 0 } });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.next).toBe(cpu1);
    expect(sent[0]!.env.arriveTimePs).toBeGreaterThanOrEqual(new RoutingTable(topology).minLinkLatencyPs);
    const seen: [number, number][] = [];
    k.takeSentArrivals((next, t) => seen.push([next, t]));
    expect(seen).toEqual([[cpu1, sent[0]!.env.arriveTimePs]]);
    k.takeSentArrivals((next, t) => seen.push([next, t]));
    expect(seen).toHaveLength(1);
  });

  it('forwards an envelope meant for another node instead of handling it', () => {
    const { k, sent } = kernel();
    const gpu0 = topology.nodes.find((n) => n.name === 'gpu0')!.id;
    k.deliver({ src: 1, dst: gpu0, seq: 1, tie: 0, arriveTimePs: 500, control: { op: 0 } } as never);
    k.runUntil(1000);
    expect(k.stats.messagesForwarded).toBe(1);
    expect(sent[0]!.next).toBe(gpu0);
    expect(sent[0]!.env.hopSrc).toBe(cpu0);
  });

  it('hands an envelope for itself to the handler of its kind, and fails on a kind with no handler', () => {
    const { k } = kernel();
    const seen: number[] = [];
    k.on('control', 'workload', (env) => seen.push(env.seq ?? 0));
    k.deliver({ src: 1, dst: cpu0, seq: 7, tie: 0, arriveTimePs: 5, control: { op: 1 } } as never);
    k.deliver({ src: 1, dst: cpu0, seq: 8, tie: 0, arriveTimePs: 6, pageFree: { pfn: 1 } } as never);
    expect(() => k.runUntil(100)).toThrow(/no handler for pageFree/);
    expect(seen).toEqual([7]);
  });

  it('reactsAfter: a memReq handler may neither send nor schedule before the memory latency (the home agent\'s declared reaction)', () => {
    const latency = topology.nodes[cpu0]!.memory.latencyPs;
    const attempt = (act: (k: ReturnType<typeof kernel>['k']) => void): void => {
      const { k } = kernel();
      k.on('memReq', 'home-agent', () => act(k));
      k.deliver({ src: 2, dst: cpu0, seq: 1, tie: 0, arriveTimePs: 1000, memReq: { paddr: 0, size: 64 } } as never);
      k.runUntil(Number.POSITIVE_INFINITY);
    };
    expect(() => attempt((k) => k.send(nodeId(2), { memResp: {} }))).toThrow(ReactionViolation);
    expect(() => attempt((k) => k.after(latency - 1, 'too soon', () => undefined))).toThrow(ReactionViolation);
    expect(() => attempt((k) => k.after(latency, 'answer', () => k.send(nodeId(2), { memResp: {} })))).not.toThrow();
  });

  it('sendAt: sends the body to the node it names at the time it names, under the body\'s txn', () => {
    const gpu0 = topology.nodes.find((n) => n.name === 'gpu0')!.id;
    const { k, sent } = kernel();
    k.sendAt(10, 'answer', gpu0, { txn: 7, control: { op: 0 } });
    expect(k.runUntil(10)).toBe(0);
    expect(k.runUntil(11)).toBe(1);
    expect(sent.map((x) => [x.next, x.env.dst, x.env.sendTimePs, x.env.txn])).toEqual([[gpu0, gpu0, 10, 7]]);
  });

  it('sendBoundsPs: a sendAt to gpu0 bounds gpu0 by the link and every other node through gpu0; a plain timer bounds each by its distance', () => {
    const routing = new RoutingTable(topology);
    const d = horizonDistances(routing);
    const n = topology.nodes.length;
    const gpu0 = topology.nodes.find((x) => x.name === 'gpu0')!.id;
    const { k } = kernel();
    k.sendAt(1000, 'answer', gpu0, { control: { op: 0 } });
    const bounds = new Float64Array(n);
    k.sendBoundsPs(d, bounds);
    for (let i = 0; i < n; i++) expect(bounds[i]).toBe(i === gpu0 ? 1000 + d[cpu0 * n + gpu0]! : 1000 + d[cpu0 * n + gpu0]! + d[gpu0 * n + i]!);
    k.at(2000, 'plain', () => undefined);
    k.sendBoundsPs(d, bounds);
    for (let i = 0; i < n; i++) expect(bounds[i]).toBe(Math.min(i === gpu0 ? 1000 + d[cpu0 * n + gpu0]! : 1000 + d[cpu0 * n + gpu0]! + d[gpu0 * n + i]!, 2000 + d[cpu0 * n + i]!));
  });

  it('registers a body kind once, and only for the port the protocol names (MESSAGE_PORTS)', () => {
    const { k } = kernel();
    expect(() => k.on('memReq', 'driver', () => undefined)).toThrow('node cpu0: memReq is received by the home-agent port, not the driver');
    k.on('memReq', 'home-agent', () => undefined);
    expect(() => k.on('memReq', 'home-agent', () => undefined)).toThrow('node cpu0: two handlers for memReq');
    for (const kind of BODY_KINDS) expect(receiverOf(kind)).toBe(MESSAGE_PORTS[kind].port);
    expect(renderMessagePorts().split('\n').filter((l) => l.startsWith('| `'))).toHaveLength(BODY_KINDS.length);
  });

  it('hashes the same events in the same order to the same digest, and differently otherwise', () => {
    const digest = (times: number[]) => {
      const { k } = kernel();
      for (const t of times) k.at(t, 'test', () => undefined);
      k.runUntil(Infinity);
      return k.eventLogHash();
    };
    expect(digest([1, 2, 3])).toBe(digest([1, 2, 3]));
    expect(digest([1, 2, 3])).not.toBe(digest([1, 2, 4]));
  });

  it('throws the injected crash at the configured event', () => {
    const { k } = kernel(1, 3);
    for (let t = 1; t <= 5; t++) k.at(t, 'test', () => undefined);
    expect(() => k.runUntil(Infinity)).toThrow(/injected crash on node cpu0 at event 3/);
  });
});
