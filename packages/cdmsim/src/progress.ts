/**
 * Progress bar of a running simulation (cli-progress): workload units done
 * (device accesses, pages filled) and the simulated time reached. Shown on
 * stderr only when it is a terminal, so logs and pipes stay clean.
 */
import cliProgress from 'cli-progress';
import { formatPs } from '@cdmsim/engine';
import type { RunResult, Simulation } from '@cdmsim/runtime';

const REFRESH_MS = 200;

/** Runs `sim` to the end, showing a progress bar when `show` and stderr is a TTY; returns its result. */
export async function withProgressBar(sim: Simulation, show: boolean): Promise<RunResult> {
  if (!show || !process.stderr.isTTY) return sim.run();
  const bar = new cliProgress.SingleBar(
    { format: 'simulating [{bar}] {percentage}% | {value}/{total} work units | sim time {simTime}', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1, 0, { simTime: formatPs(0) });
  const timer = setInterval(() => {
    const p = sim.progress();
    bar.setTotal(Math.max(1, p.workTotal));
    bar.update(p.workDone, { simTime: formatPs(p.maxPs) });
  }, REFRESH_MS);
  try {
    return await sim.run();
  } finally {
    clearInterval(timer);
    bar.stop();
  }
}

/**
 * Runs `total` units of work (`unit`: points, seeds) through `run`, showing
 * on stderr, when it is a terminal, how many are done and failed, the
 * elapsed time and an ETA. `run` reports each finished unit with
 * `onDone(failed)`; returns what `run` resolves to.
 */
export async function withCountProgress<T>(verb: string, unit: string, total: number, run: (onDone: (failed: boolean) => void) => Promise<T>): Promise<T> {
  if (!process.stderr.isTTY) return run(() => undefined);
  const bar = new cliProgress.SingleBar(
    { format: `${verb} [{bar}] {value}/{total} ${unit} | {failed} failed | elapsed {duration_formatted} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  let failed = 0;
  let done = 0;
  bar.start(total, 0, { failed });
  try {
    return await run((bad) => {
      if (bad) failed++;
      bar.update(++done, { failed });
    });
  } finally {
    bar.stop();
  }
}
