import { describe, expect, it } from 'vitest';
import { defaultTopology } from '@cdmsim/config';
import { nodeId } from '@cdmsim/engine';
import { RoutingTable, Transport } from '@cdmsim/bus';
import type { cdmsim } from '@cdmsim/proto';
import { RunControl } from '@cdmsim/shm';
import { NodeKernel } from './kernel.js';
import { receiverOf } from './message-ports.js';
import { CausalityViolation, GroupOutbox, runDeterministic, runSequential } from './schedulers.js';

const topology = defaultTopology();
const cpu0 = nodeId(0);

/**
 * One node alone in deterministic rounds (a round trip of 500 ps is its
 * lookahead), with timers at 10 ps and 5000 ps; `late` is handed to it by
 * the transport when it drains at the start of the second round.
 */
function soloRun(late: { arriveTimePs: number } | undefined): number[] {
  const transport = new Transport([], []);
  let drains = 0;
  transport.drain = (onEnvelope) => {
    drains++;
    if (drains === 2 && late) onEnvelope({ src: 3, seq: 1, ...late } as unknown as cdmsim.Envelope);
    return 0;
  };
  const kernel = new NodeKernel({ topology, self: cpu0, seed: 1, routing: new RoutingTable(topology), outbox: transport });
  const ran: number[] = [];
  kernel.at(10, 'first', () => ran.push(kernel.nowPs));
  kernel.at(5000, 'second', () => ran.push(kernel.nowPs));
  runDeterministic({ members: [{ kernel, transport }], sync: RunControl.create(1, 1), worker: 0 }, Float64Array.of(500));
  return ran;
}

describe('runDeterministic', () => {
  it('runs a lone node round by round up to each horizon', () => {
    expect(soloRun(undefined)).toEqual([10, 5000]);
  });

  it('causality: an envelope received for a time the node already ran past stops the run, never runs late', () => {
    // The first round ran to 10 + 500 ps; an arrival at 100 ps is too late.
    expect(() => soloRun({ arriveTimePs: 100 })).toThrow(CausalityViolation);
    expect(() => soloRun({ arriveTimePs: 100 })).toThrow(/arriving at 100 ps was received after the node ran to 510 ps \(seed 1\)/);
  });
});

describe('runSequential', () => {
  /** Every node of the default machine in one worker; `plan(kernels, log)` schedules their timers. */
  function sequentialRun(plan: (kernels: NodeKernel[], log: string[]) => void): string[] {
    const routing = new RoutingTable(topology);
    const outbox = new GroupOutbox(topology.nodes.map((n) => n.id));
    const members = topology.nodes.map((n) => {
      const transport = new Transport([], []);
      const kernel = new NodeKernel({ topology, self: n.id, seed: 1, routing, outbox: outbox.outboxFor(transport) });
      return { kernel, transport };
    });
    for (const m of members) outbox.add(m);
    const log: string[] = [];
    plan(members.map((m) => m.kernel), log);
    runSequential(members, outbox, RunControl.create(members.length, 1, members.map(() => 0)));
    return log;
  }

  it('runs events in global time order, equal times in node order, whichever node scheduled them first', () => {
    const log = sequentialRun((k, log) => {
      const at = (node: number, t: number): void => k[node]!.at(t, 'test', () => log.push(`${k[node]!.spec.name}@${t}`));
      at(3, 100);
      at(1, 100);
      at(0, 300);
      at(3, 50);
      at(2, 300);
      at(0, 100);
    });
    expect(log).toEqual(['gpu1@50', 'cpu0@100', 'cpu1@100', 'gpu1@100', 'cpu0@300', 'gpu0@300']);
  });

  it('stops a node at the arrival its own event just sent to another node, when that comes before its next event', () => {
    const log = sequentialRun((k, log) => {
      const [cpu0, cpu1] = [k[0]!, k[1]!];
      cpu1.on('control', receiverOf('control'), () => log.push(`cpu1@${cpu1.nowPs}`));
      const hop = new RoutingTable(topology).pathLatencyPs(cpu0.self, cpu1.self);
      cpu0.at(10, 'test', () => {
        log.push('cpu0@10');
        cpu0.send(cpu1.self, { control: { op: 0 } });
      });
      // After the envelope's arrival at cpu1 (10 ps + the link latency + 1 ns of serialization).
      cpu0.at(10 + hop + 5000, 'test', () => log.push('cpu0@late'));
    });
    expect(log).toHaveLength(3);
    expect(log[0]).toBe('cpu0@10');
    expect(log[1]).toMatch(/^cpu1@/);
    expect(log[2]).toBe('cpu0@late');
  });
});
