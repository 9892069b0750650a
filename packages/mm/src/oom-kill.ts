/**
 * The OOM killer (mm/oom_kill.c): picks the process with the largest rss
 * (`oom_badness` = `get_mm_rss`: anon + file + shmem) and kills it. Device
 * pages are counted in rss exactly like the pages they replace [6/6], so
 * the documented drawback follows: a victim whose memory is mostly on a
 * device frees little RAM when killed.
 */
import type { Pid } from '@cdmsim/engine';
import { PageType } from '@cdmsim/shm';
import type { Process } from './address-space.js';
import { Errno } from './errno.js';
import type { Memcg, MemcgId } from './memcg.js';
import type { MmCore } from './mm-core.js';
import { exitProcess } from './zap.js';

/** What one OOM kill chose and what it freed. */
export interface OomKillResult {
  readonly pid: Pid;
  /** The badness the victim was chosen for (rss pages, device pages included). */
  readonly rssPages: number;
  /** The victim's rss per page type at selection (`RssCounters.snapshot().byType`). */
  readonly rssByType: Record<string, number>;
  /** System RAM frames actually returned to the allocators by the kill. */
  readonly ramFreedPages: number;
}

/** Options of `outOfMemory`. */
export interface OomOptions {
  /** Memcg OOM (`mem_cgroup_out_of_memory`): only tasks in this memcg's subtree are candidates. */
  readonly memcg?: MemcgId;
}

/** `oom_badness`: the rss of `proc` in pages (no page-table or swap term in this model). */
export function oomBadness(proc: Process): number {
  return proc.rss.total();
}

/**
 * `select_bad_process`: the candidate with the highest badness; ties go
 * to the first in pid order (strictly greater wins). Returns null when
 * there is no candidate.
 */
export function selectBadProcess(core: MmCore, opts: OomOptions = {}): Process | null {
  let chosen: Process | null = null;
  let points = 0;
  const procs = [...core.processes.values()].sort((x, y) => x.pid - y.pid);
  for (const p of procs) {
    if (opts.memcg !== undefined && !inSubtree(core, p.memcg, opts.memcg)) continue;
    const b = oomBadness(p);
    if (b > points) {
      chosen = p;
      points = b;
    }
  }
  return chosen;
}

/**
 * `out_of_memory` → `oom_kill_process`: selects a victim and tears down
 * its address space (`exit_mmap`; device memory goes back to its drivers,
 * it is never pinned). Returns what was chosen and the RAM freed, or ESRCH
 * when no process is killable. Caller holds every mmap lock it needs
 * (runs on the control node at a quiescent point).
 */
export function outOfMemory(core: MmCore, opts: OomOptions = {}): OomKillResult | Errno {
  const victim = selectBadProcess(core, opts);
  if (!victim) return Errno.ESRCH;
  const ramFree = (): number => [...core.ram.values()].reduce((s, a) => s + a.freeCount(), 0);
  const before = ramFree();
  const rssPages = oomBadness(victim);
  const rssByType = victim.rss.snapshot().byType;
  exitProcess(core, victim);
  core.stats.oomKills++;
  return { pid: victim.pid, rssPages, rssByType, ramFreedPages: ramFree() - before };
}

/** Device pages (public + private) in an rss-by-type snapshot. */
export function devicePagesOf(byType: Record<string, number>): number {
  return (byType[PageType[PageType.DEVICE_PUBLIC]] ?? 0) + (byType[PageType[PageType.DEVICE_PRIVATE]] ?? 0);
}

function inSubtree(core: MmCore, id: MemcgId, root: MemcgId): boolean {
  for (let c: Memcg | null = core.memcgs.get(id); c; c = c.parent) if (c.id === root) return true;
  return false;
}
