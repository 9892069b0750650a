import { describe, expect, it } from 'vitest';
import { defaultTopology } from '@cdmsim/config';
import { nodeId } from '@cdmsim/engine';
import { RoutingTable, Transport } from '@cdmsim/bus';
import type { cdmsim } from '@cdmsim/proto';
import { RunControl } from '@cdmsim/shm';
import { NodeKernel } from './kernel.js';
import { CausalityViolation, runDeterministic } from './schedulers.js';

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
