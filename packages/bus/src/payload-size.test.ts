import { describe, expect, it } from 'vitest';
import { BODY_KINDS } from '@cdmsim/proto';
import { COMMAND_BYTES, payloadBytes } from './payload-size.js';

describe('payload sizes', () => {
  it('has a command size for every body kind of proto/', () => {
    expect(Object.keys(COMMAND_BYTES).sort()).toEqual([...BODY_KINDS].sort());
  });

  it('adds carried data: line data for memory traffic, 8 bytes per pfn for snapshots', () => {
    expect(payloadBytes({ memReq: { data: new Uint8Array(64) } })).toBe(COMMAND_BYTES.memReq + 64);
    expect(payloadBytes({ memReq: {} })).toBe(COMMAND_BYTES.memReq);
    expect(payloadBytes({ rangeFaultReply: { pfns: [1, 2, 3] } })).toBe(COMMAND_BYTES.rangeFaultReply + 24);
  });

  it('rejects an envelope without a body', () => {
    expect(() => payloadBytes({ src: 1, dst: 2 })).toThrow(/has no body/);
  });
});
