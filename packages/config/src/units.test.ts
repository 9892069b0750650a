import { describe, expect, it } from 'vitest';
import { formatBytes, isPowerOfTwo, parseSizeBytes } from './units.js';

const bytes = (v: string | number) => {
  const r = parseSizeBytes(v);
  if (!r.ok) throw new Error(r.message);
  return r.bytes;
};
const failure = (v: string | number) => {
  const r = parseSizeBytes(v);
  return r.ok ? `parsed as ${r.bytes}` : r.message;
};

describe('parseSizeBytes', () => {
  it('reads binary units', () => {
    expect(bytes('16GiB')).toBe(16 * 2 ** 30);
    expect(bytes('64B')).toBe(64);
    expect(bytes('4KiB')).toBe(4096);
    expect(bytes('2 MiB')).toBe(2 * 2 ** 20);
    expect(bytes('1TiB')).toBe(2 ** 40);
  });
  it('reads decimals that are whole bytes', () => {
    expect(bytes('1.5MiB')).toBe(1_572_864);
    expect(bytes('0.5KiB')).toBe(512);
  });
  it('takes a plain positive integer as bytes', () => {
    expect(bytes(4096)).toBe(4096);
  });
  it('rejects decimal (SI) units and suggests the binary one', () => {
    expect(failure('16GB')).toContain('did you mean "16GiB"');
    expect(failure('64kb')).toContain('did you mean "64KiB"');
  });
  it('rejects unknown units, missing numbers and negative sizes', () => {
    for (const bad of ['16 gigs', 'GiB', '-4KiB', '16', '16gib', '4  KiB']) {
      expect(failure(bad)).toMatch(/must be a size/);
    }
  });
  it('rejects sizes that are not whole bytes, zero and non-integers', () => {
    expect(failure('1.3B')).toBe('is not a whole number of bytes');
    expect(failure('0B')).toBe('must be a positive size');
    expect(failure(0)).toMatch(/positive whole number/);
    expect(failure(1.5)).toMatch(/positive whole number/);
  });
});

describe('formatBytes and isPowerOfTwo', () => {
  it('formats with the largest exact unit', () => {
    expect(formatBytes(4096)).toBe('4KiB');
    expect(formatBytes(1_572_864)).toBe('1536KiB');
    expect(formatBytes(1000)).toBe('1000B');
  });
  it('recognises powers of two beyond 32 bits', () => {
    expect(isPowerOfTwo(2 ** 40)).toBe(true);
    expect(isPowerOfTwo(2 ** 40 + 2)).toBe(false);
    expect(isPowerOfTwo(12)).toBe(false);
    expect(isPowerOfTwo(0)).toBe(false);
  });
});
