import { describe, expect, it } from 'vitest';
import { RunningHash, combineHex } from './hash.js';
import { Rng } from './rng.js';

describe('RunningHash', () => {
  it('depends on order and on every value', () => {
    const a = new RunningHash().add(1).add(2).hex();
    const b = new RunningHash().add(2).add(1).hex();
    const c = new RunningHash().add(1).add(3).hex();
    expect(a).not.toBe(b);
    expect(a).not.toBe(c);
    expect(new RunningHash().add(1).add(2).hex()).toBe(a);
  });

  it('distinguishes values above 2^32 (picosecond times)', () => {
    expect(new RunningHash().add(2 ** 40).hex()).not.toBe(new RunningHash().add(0).hex());
  });

  it('addBytes folds little-endian words, then the tail and the length, exactly as add() of each', () => {
    const bytes = Uint8Array.from({ length: 4099 }, (_, i) => (i * 37 + 11) & 0xff);
    const byAdd = new RunningHash();
    for (let i = 0; i + 4 <= bytes.length; i += 4) byAdd.add(new DataView(bytes.buffer).getUint32(i, true));
    byAdd.add(bytes[4096]! | (bytes[4097]! << 8) | (bytes[4098]! << 16)).add(bytes.length);
    const byBytes = new RunningHash().addBytes(bytes);
    expect(byBytes.hex()).toBe(byAdd.hex());
    expect(byBytes.count).toBe(byAdd.count);
  });

  it('combines digests in order', () => {
    expect(combineHex(['00000000deadbeef', '0123456789abcdef'])).not.toBe(
      combineHex(['0123456789abcdef', '00000000deadbeef']),
    );
  });
});

describe('Rng', () => {
  it('replays the same stream from the same seed and splits by stream id', () => {
    const draw = (seed: number, stream: number) => {
      const r = new Rng(seed, stream);
      return Array.from({ length: 8 }, () => r.int(0, 1000));
    };
    expect(draw(1, 0)).toEqual(draw(1, 0));
    expect(draw(1, 0)).not.toEqual(draw(2, 0));
    expect(draw(1, 0)).not.toEqual(draw(1, 1));
  });
});
