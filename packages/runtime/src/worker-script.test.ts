import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chooseWorkerScript, WORKER_BUNDLE } from './worker-script.js';

/** A fake dist folder: the entry, two inputs of another package, and (optionally) a bundle made at `bundleAt` (seconds). */
function fakeDist(bundleAt: number | undefined): { dir: URL; root: string; input: string } {
  const root = mkdtempSync(join(tmpdir(), 'cdmsim-worker-script-'));
  const dist = join(root, 'runtime', 'dist');
  mkdirSync(dist, { recursive: true });
  mkdirSync(join(root, 'kernel', 'dist'), { recursive: true });
  const input = join(root, 'kernel', 'dist', 'kernel.js');
  for (const f of [join(dist, WORKER_BUNDLE.entry), input]) {
    writeFileSync(f, '// built\n');
    utimesSync(f, 1000, 1000);
  }
  if (bundleAt !== undefined) {
    writeFileSync(join(dist, WORKER_BUNDLE.script), '// bundle\n');
    writeFileSync(join(dist, WORKER_BUNDLE.inputs), JSON.stringify({ inputs: [WORKER_BUNDLE.entry, '../../kernel/dist/kernel.js'] }));
    utimesSync(join(dist, WORKER_BUNDLE.script), bundleAt, bundleAt);
  }
  return { dir: pathToFileURL(dist + '/'), root, input };
}

describe('chooseWorkerScript: the one-file bundle only while it is as new as its inputs', () => {
  it('a bundle newer than every input is used', () => {
    const f = fakeDist(2000);
    try {
      const s = chooseWorkerScript(f.dir);
      expect(s.kind).toBe('bundle');
      expect(s.url.href).toBe(new URL(WORKER_BUNDLE.boot, f.dir).href);
    } finally {
      rmSync(f.root, { recursive: true });
    }
  });

  it('an input rebuilt after the bundle (tsc -b without the bundling step) sends workers to the module graph, naming it', () => {
    const f = fakeDist(2000);
    try {
      utimesSync(f.input, 3000, 3000);
      const s = chooseWorkerScript(f.dir);
      expect(s.kind).toBe('modules');
      expect(s.url.href).toBe(new URL(WORKER_BUNDLE.entry, f.dir).href);
      expect(s.reason).toContain('../../kernel/dist/kernel.js is newer than the worker bundle');
    } finally {
      rmSync(f.root, { recursive: true });
    }
  });

  it('a deleted input, a missing bundle or an unreadable inputs list fall back to the module graph', () => {
    const gone = fakeDist(2000);
    const none = fakeDist(undefined);
    const bad = fakeDist(2000);
    try {
      rmSync(gone.input);
      expect(chooseWorkerScript(gone.dir)).toMatchObject({ kind: 'modules', reason: expect.stringContaining('is gone') });
      expect(chooseWorkerScript(none.dir)).toMatchObject({ kind: 'modules', reason: expect.stringContaining('no worker bundle') });
      writeFileSync(new URL(WORKER_BUNDLE.inputs, bad.dir), '{"inputs": []}');
      expect(chooseWorkerScript(bad.dir)).toMatchObject({ kind: 'modules', reason: expect.stringContaining('lists no inputs') });
    } finally {
      for (const f of [gone, none, bad]) rmSync(f.root, { recursive: true });
    }
  });
});
