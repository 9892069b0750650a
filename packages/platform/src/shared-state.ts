/**
 * The shared state of one simulation, created on the main thread and
 * attached by every node worker: the frame table (`struct page` array),
 * page contents, page tables, one SPSC ring per direction of every link,
 * and the run-control block. Host memory grows with what a run touches:
 * frame records, contents and page tables are allocated in chunks on first
 * use (see @cdmsim/shm).
 */
import type { NodeId } from '@cdmsim/engine';
import type { SimConfig } from '@cdmsim/config';
import type { OutPort, RingReader } from '@cdmsim/bus';
import {
  CoherenceWatch,
  ContentStore,
  MemcgCounters,
  FrameTable,
  PageTables,
  RingBuffer,
  RunControl,
  type CoherenceWatchHandle,
  type ContentStoreHandle,
  type FrameTableHandle,
  type MemcgCountersHandle,
  type PageTablesHandle,
  type RingHandle,
  type RunControlHandle,
  type WordLock,
} from '@cdmsim/shm';
import type { AttachedState } from './node-env.js';
import { memoryMap } from './memory/memory-map.js';

/** The optional parts of a run's shared state; the workload says which it needs. */
export interface SharedNeeds {
  /** Lines the cross-worker coherence checker watches (a `CoherenceWatch`); absent = no watch. */
  readonly coherenceLines?: number;
  /** Memcg slots of shared page counters every worker charges (`MemcgCounters`); absent = none. */
  readonly memcgSlots?: number;
}

/** Capacity of each link-direction ring. A window's batch is far smaller; a full ring is back-pressure, not loss. */
export const RING_CAPACITY_BYTES = 1 << 20;

/** One ring: the bus direction `from` → `to` of a link. */
export interface RingDirection {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly ring: RingHandle;
}

/** Plain-data handles of every shared object (posted to each worker). */
export interface SharedHandles {
  readonly frames: FrameTableHandle;
  readonly content: ContentStoreHandle;
  readonly pageTables: PageTablesHandle;
  /** Device mirror page tables (one root per device and mirrored process). */
  readonly mirrorTables: PageTablesHandle;
  readonly rings: readonly RingDirection[];
  readonly sync: RunControlHandle;
  /** The cross-worker coherence checker's state (`SharedNeeds.coherenceLines`). */
  readonly coherence?: CoherenceWatchHandle;
  /** The memcg page counters every worker charges (`SharedNeeds.memcgSlots`). */
  readonly memcgs?: MemcgCountersHandle;
}

/** The main thread's view of a simulation's shared state: the objects every worker attaches, plus the handles, run control and sizes. */
export interface SharedState extends AttachedState {
  readonly handles: SharedHandles;
  readonly sync: RunControl;
  readonly totalFrames: number;
  /** Host bytes held by each kind of shared state right now. */
  hostBytes(): Record<string, number>;
}

/**
 * Creates the shared state of a simulation of `config` (cheap: nothing per
 * simulated frame) with the optional parts its workload `needs`.
 * `hostCores` tunes how barrier waiters wait; `workerOf[node]` is the
 * worker thread hosting each node (default: one worker per node).
 */
export function createSharedState(config: SimConfig, hostCores: number, needs: SharedNeeds = {}, workerOf?: readonly number[]): SharedState {
  const { topology } = config;
  const frames = new FrameTable({ memories: memoryMap(topology) });
  const content = new ContentStore(frames, { pageSize: topology.pageSizeBytes });
  const pageTables = new PageTables();
  const mirrorTables = new PageTables();
  const sync = RunControl.create(topology.nodes.length, hostCores, workerOf);
  const rings: RingDirection[] = [];
  for (const link of topology.links) {
    for (const [from, to] of [
      [link.a, link.b],
      [link.b, link.a],
    ] as const) {
      rings.push({ from, to, ring: new RingBuffer({ capacityBytes: RING_CAPACITY_BYTES }).handle() });
    }
  }
  const coherence = needs.coherenceLines === undefined ? undefined : CoherenceWatch.create(needs.coherenceLines);
  const memcgs = needs.memcgSlots === undefined ? undefined : MemcgCounters.create(needs.memcgSlots);
  const handles: SharedHandles = {
    frames: frames.handle(),
    content: content.handle(),
    pageTables: pageTables.handle(),
    mirrorTables: mirrorTables.handle(),
    rings,
    sync: sync.handle,
    ...(coherence ? { coherence: coherence.handle() } : {}),
    ...(memcgs ? { memcgs: memcgs.handle() } : {}),
  };
  return {
    handles,
    sync,
    frames,
    content,
    pageTables,
    mirrorTables,
    ...(coherence ? { coherence } : {}),
    ...(memcgs ? { memcgs } : {}),
    totalFrames: frames.totalFrames,
    hostBytes() {
      const directory = handles.frames.directory.byteLength;
      const parts: Record<string, number> = {
        frameDirectory: directory,
        frameRecords: frames.hostBytes() - directory,
        content: content.hostBytes(),
        pageTables: pageTables.hostBytes(),
        mirrorTables: mirrorTables.hostBytes(),
        rings: rings.reduce((s, r) => s + r.ring.sab.byteLength, 0),
        sync: handles.sync.sab.byteLength,
        ...(handles.coherence ? { coherenceWatch: handles.coherence.sab.byteLength } : {}),
        ...(handles.memcgs ? { memcgCounters: handles.memcgs.sab.byteLength } : {}),
      };
      parts.total = Object.values(parts).reduce((a, b) => a + b, 0);
      return parts;
    },
  };
}

/**
 * Attaches the run's shared state in this worker; `lock` is the mode's lock
 * implementation (real futex locks in free mode, ownership checks in
 * deterministic mode). Returns the attached objects.
 */
export function attachShared(handles: SharedHandles, lock: WordLock): AttachedState {
  const frames = FrameTable.attach(handles.frames, { lock });
  return {
    frames,
    content: ContentStore.attach(handles.content, frames),
    pageTables: PageTables.attach(handles.pageTables, { lock }),
    mirrorTables: PageTables.attach(handles.mirrorTables, { lock }),
    ...(handles.coherence ? { coherence: CoherenceWatch.attach(handles.coherence) } : {}),
    ...(handles.memcgs ? { memcgs: MemcgCounters.attach(handles.memcgs) } : {}),
  };
}

/**
 * Attaches the rings of node `self`: a producer for each direction leaving
 * it (with the doorbell of the worker hosting its far end) and a consumer for each
 * direction arriving at it. Returns the transport's ports.
 */
export function attachPorts(handles: SharedHandles, self: NodeId, sync: RunControl): { out: OutPort[]; incoming: RingReader[] } {
  const out: OutPort[] = [];
  const incoming: RingReader[] = [];
  for (const dir of handles.rings) {
    if (dir.from === self) {
      const ring = RingBuffer.attach(dir.ring);
      const producer = ring.producer();
      out.push({
        to: dir.to,
        ring: {
          maxRecordBytes: ring.maxRecordBytes,
          tryWrite: (bytes) => producer.tryWrite(bytes),
          publish: () => {
            producer.publish();
          },
        },
        doorbell: { ring: () => sync.ring(sync.workerOf(dir.to)) },
      });
    } else if (dir.to === self) {
      incoming.push(RingBuffer.attach(dir.ring).consumer());
    }
  }
  return { out, incoming };
}
