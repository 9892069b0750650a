/**
 * TEST ONLY: the session's sabotages, each a transform of the data a
 * device is built on, never a branch in model code. `stale-mirror` hands
 * the driver a mirror whose invalidations clear nothing: the device keeps
 * translations the CPU took away (after a migration, a copy-on-write, an
 * munmap), which the HMM stress's data checks must catch.
 */
import { MirrorTable } from '@cdmsim/platform';
import type { PageTables } from '@cdmsim/shm';
import type { SessionSabotageName } from './config.js';

/** A mirror that acknowledges invalidations but keeps its entries. */
class StaleMirrorTable extends MirrorTable {
  override invalidate(): number {
    return 0;
  }
}

/** Returns the mirror a device's driver gets under `sabotage` (undefined: the driver's own). */
export function sessionMirror(sabotage: SessionSabotageName | undefined, tables: PageTables): MirrorTable | undefined {
  return sabotage === 'stale-mirror' ? new StaleMirrorTable(tables) : undefined;
}
