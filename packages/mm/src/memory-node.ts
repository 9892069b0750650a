/**
 * Memory nodes: one physical PFN range per memory, of one page type. The
 * memory map itself lives in `@cdmsim/shm` (`MemoryDesc`); this module maps
 * topology memory kinds to page types and offers small predicates.
 */
import type { MemoryKind } from '@cdmsim/config';
import { PageType, type FrameTable } from '@cdmsim/shm';

/** Page type of the frames of a topology memory kind ('system' RAM, 'public' CDM, 'private' HMM). */
export function pageTypeOfMemoryKind(kind: MemoryKind): PageType {
  switch (kind) {
    case 'system':
      return PageType.SYSTEM_RAM;
    case 'public':
      return PageType.DEVICE_PUBLIC;
    case 'private':
      return PageType.DEVICE_PRIVATE;
  }
}

/** True for DEVICE_PUBLIC and DEVICE_PRIVATE frames: the HMM-managed ZONE_DEVICE types (`is_device_private_page || is_device_public_page`). */
export function isHmmDevicePage(frames: FrameTable, pfn: number): boolean {
  const t = frames.pageType(pfn);
  return t === PageType.DEVICE_PUBLIC || t === PageType.DEVICE_PRIVATE;
}
