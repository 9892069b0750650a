/**
 * The memcg hierarchy of an mm-stress run. Every worker creates it in the
 * same order over the shared memcg counters, so ids and limits agree across
 * threads: a shared memcg every CPU node's processes may join (concurrent
 * charges from several workers), and per CPU node its own memcg with a
 * limited child only that node charges.
 */
import { CdmsimError, type NodeId } from '@cdmsim/engine';
import type { Topology } from '@cdmsim/config';
import { ROOT_MEMCG, type MemcgId, type MmCore } from '@cdmsim/mm';

/** The memcgs of an mm-stress run. */
export interface StressMemcgs {
  /** Unlimited memcg every CPU node's processes may join (concurrent charges from several workers). */
  readonly shared: MemcgId;
  /** Per CPU node: its own unlimited memcg and a limited child of it. Only that node's processes charge them. */
  readonly perCpu: ReadonlyMap<NodeId, { readonly own: MemcgId; readonly limited: MemcgId }>;
}

/** Creates the run's memcgs in `core`, in a fixed order (see StressMemcgs); each CPU node's limited memcg holds `limitPages` pages. Returns them. */
export function createStressMemcgs(core: MmCore, topology: Topology, limitPages: number): StressMemcgs {
  const shared = core.memcgs.create('shared').id;
  const perCpu = new Map<NodeId, { own: MemcgId; limited: MemcgId }>();
  for (const c of topology.cpus) {
    const own = core.memcgs.create(c.name).id;
    const limited = core.memcgs.create(`${c.name}/limited`, limitPages, own).id;
    perCpu.set(c.id, { own, limited });
  }
  return { shared, perCpu };
}

/** The memcgs a process of CPU node `cpu` may be in (root, the shared one, the node's own two). */
export function memcgChoices(memcgs: StressMemcgs, cpu: NodeId): MemcgId[] {
  const mine = memcgs.perCpu.get(cpu);
  if (!mine) throw new CdmsimError(`node ${cpu} is not a CPU node of the run`);
  return [ROOT_MEMCG, memcgs.shared, mine.own, mine.limited];
}

