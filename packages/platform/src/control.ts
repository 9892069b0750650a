/**
 * Control messages between a workload's roles on different nodes (start a
 * phase, report it done), as plain data: the channel carries them over the
 * bus as WorkloadControl bodies, so workloads never build envelopes.
 */
import { CdmsimError, type NodeId, type Pid } from '@cdmsim/engine';
import { cdmsim } from '@cdmsim/proto';
import type { NodeKernel } from '@cdmsim/kernel';

/** One control message. Fields a message does not need are absent. */
export interface ControlMessage {
  readonly op: 'start' | 'done';
  readonly pid?: Pid;
  readonly vaddr?: number;
  readonly bytes?: number;
  readonly sliceStart?: number;
  readonly sliceBytes?: number;
  readonly reads?: number;
  readonly writes?: number;
  readonly readMismatches?: number;
  readonly digest?: number;
}

const TO_PROTO: Readonly<Record<ControlMessage['op'], cdmsim.ControlOp>> = { start: cdmsim.ControlOp.CTRL_START, done: cdmsim.ControlOp.CTRL_DONE };
const FROM_PROTO = new Map<number, ControlMessage['op']>(Object.entries(TO_PROTO).map(([k, v]) => [v, k as ControlMessage['op']]));

/** The control messages of one node. */
export class ControlChannel {
  readonly #kernel: NodeKernel;
  #handler: ((src: NodeId, msg: ControlMessage) => void) | undefined;

  /** Registers the WorkloadControl handler on `kernel` (one channel per node). */
  constructor(kernel: NodeKernel) {
    this.#kernel = kernel;
    kernel.on('control', 'workload', (env) => {
      const c = env.control!;
      const op = FROM_PROTO.get(c.op ?? 0);
      if (op === undefined) throw new CdmsimError(`node ${kernel.spec.name}: control message with unknown op ${c.op} from node ${env.src}`);
      if (!this.#handler) throw new CdmsimError(`node ${kernel.spec.name}: a ${op} control message from node ${env.src} and nobody listening`);
      const { op: _op, ...fields } = c;
      this.#handler(env.src as NodeId, { op, ...(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined)) as Omit<ControlMessage, 'op'>) });
    });
  }

  /** Sets the receiver of this node's control messages (`src`: the sending node). */
  onMessage(handler: (src: NodeId, msg: ControlMessage) => void): void {
    this.#handler = handler;
  }

  /** Sends `msg` to node `dst` now. */
  send(dst: NodeId, msg: ControlMessage): void {
    this.#kernel.send(dst, { control: { ...msg, op: TO_PROTO[msg.op] } });
  }
}
