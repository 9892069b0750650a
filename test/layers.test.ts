/**
 * The layers of the monorepo depend downward only: every `@cdmsim/*` import
 * in a package's sources (tests included) and every `@cdmsim/*` dependency
 * in its package.json names a package of a lower layer. The pure model
 * packages (mm, coherence) never see the kernel, the bus or protobuf.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** Layer of each package: a package may use only packages of lower layers. */
const LAYER: Readonly<Record<string, number>> = {
  engine: 0,
  shm: 1,
  proto: 1,
  config: 1,
  bus: 2,
  kernel: 3,
  mm: 4,
  coherence: 4,
  platform: 5,
  workloads: 6,
  runtime: 7,
  cdmsim: 8,
};

/** Packages a model package must never use, whatever their layer. */
const NEVER: Readonly<Record<string, readonly string[]>> = {
  mm: ['kernel', 'bus', 'proto'],
  coherence: ['kernel', 'bus', 'proto'],
};

/** Returns every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Returns the `@cdmsim/*` packages `pkg` uses: its package.json dependencies and the imports of its sources. */
function uses(pkg: string): { from: string; to: string }[] {
  const dir = join(ROOT, 'packages', pkg);
  const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const deps = Object.keys({ ...json.dependencies, ...json.devDependencies }).filter((d) => d.startsWith('@cdmsim/')).map((d) => ({ from: 'package.json', to: d.slice('@cdmsim/'.length) }));
  const imports = sources(join(dir, 'src')).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/from '@cdmsim\/([a-z]+)(?:\/[a-z]+)?'/g)].map((m) => ({ from: file.slice(ROOT.length + 1), to: m[1]! })),
  );
  return [...deps, ...imports];
}

describe('layers depend downward only', () => {
  const packages = readdirSync(join(ROOT, 'packages')).filter((p) => statSync(join(ROOT, 'packages', p)).isDirectory());

  it('every package has a layer', () => {
    expect(packages.filter((p) => LAYER[p] === undefined)).toEqual([]);
  });

  it.each(Object.keys(LAYER))('%s uses only packages below it', (pkg) => {
    const bad = uses(pkg).filter((u) => u.to !== pkg && (LAYER[u.to] === undefined || LAYER[u.to]! >= LAYER[pkg]! || (NEVER[pkg] ?? []).includes(u.to)));
    expect(bad.map((u) => `${u.from} uses @cdmsim/${u.to}`)).toEqual([]);
  });
});
