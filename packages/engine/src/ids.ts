/**
 * Branded identifiers. Cross-references in cdmsim are small integers (they
 * live in SharedArrayBuffers), branded so that a node id cannot be passed
 * where a link id is expected.
 */

/** Index of a simulated node (CPU nodes first, then devices). */
export type NodeId = number & { readonly __brand: 'NodeId' };
/** Index of a link in the topology. */
export type LinkId = number & { readonly __brand: 'LinkId' };
/** Index of a memory node (one per CPU node DRAM and per device memory). */
export type MemNodeId = number & { readonly __brand: 'MemNodeId' };
/** Physical page frame number, global across all memories. */
export type Pfn = number & { readonly __brand: 'Pfn' };
/** Process id, unique within a simulation. */
export type Pid = number & { readonly __brand: 'Pid' };

export const nodeId = (n: number): NodeId => n as NodeId;
export const linkId = (n: number): LinkId => n as LinkId;
export const memNodeId = (n: number): MemNodeId => n as MemNodeId;
export const pfn = (n: number): Pfn => n as Pfn;
export const pid = (n: number): Pid => n as Pid;
