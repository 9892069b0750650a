import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..');

describe('@cdmsim/mm layering', () => {
  it('the model (src/*.ts) never imports the testing harnesses', () => {
    const model = readdirSync(SRC).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(model.length).toBeGreaterThan(20);
    const offenders = model.filter((f) => /from '\.\/testing\//.test(readFileSync(join(SRC, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
