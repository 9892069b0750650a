/**
 * Typed errors. Expected simulation outcomes (page skipped, retry, memory
 * full) are returned as values; these classes are for configuration and
 * programming errors. Errors cross threads as plain data (`toErrorData`).
 */

/** Base of every error cdmsim throws on purpose. */
export class CdmsimError extends Error {
  override readonly name: string = 'CdmsimError';
}

/**
 * A configuration file, object, option or argument is invalid. The message
 * is for people, and it is all the error shows: `stack` is the name and the
 * message, without frames, so a script that does not catch it prints what
 * is wrong with its input rather than where in cdmsim that was found.
 */
export class ConfigError extends CdmsimError {
  override readonly name: string = 'ConfigError';
  constructor(message: string) {
    super(message);
    // A getter: subclasses set `name` after this constructor has run.
    Object.defineProperty(this, 'stack', { get: () => `${this.name}: ${this.message}`, configurable: true });
  }
}

/** A protocol or state table met a (state, event) pair it has no row for. */
export class ProtocolViolation extends CdmsimError {
  override readonly name = 'ProtocolViolation';
  constructor(
    readonly table: string,
    readonly state: string,
    readonly event: string,
    readonly address: string,
  ) {
    super(`${table}: no transition for state ${state} on event ${event} at ${address}`);
  }
}

/** A model invariant does not hold; carries the seed that replays the run. */
export class InvariantViolation extends CdmsimError {
  override readonly name: string = 'InvariantViolation';
  constructor(
    message: string,
    readonly seed?: number,
  ) {
    super(seed === undefined ? message : `${message} (seed ${seed})`);
  }
}

/**
 * Deterministic mode promises that two workers never touch the same shared
 * state in one window; a contended lock there means the design broke that
 * promise, so it is an error rather than a wait.
 */
export class OwnershipViolation extends CdmsimError {
  override readonly name = 'OwnershipViolation';
}

/** A fault injected on purpose (a test or `--inject-crash`), not a bug of the model. */
export class InjectedFault extends CdmsimError {
  override readonly name = 'InjectedFault';
}

/** A simulated node's worker failed; names the node. */
export class NodeFailure extends CdmsimError {
  override readonly name = 'NodeFailure';
  constructor(
    readonly nodeName: string,
    readonly causeMessage: string,
    readonly causeStack?: string,
  ) {
    super(`node ${nodeName} failed: ${causeMessage}`);
  }
}

/** Plain-data form of an error, safe to post between threads. */
export interface ErrorData {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** Returns the plain-data form of any thrown value. */
export function toErrorData(e: unknown): ErrorData {
  if (e instanceof Error) return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  return { name: 'Error', message: String(e) };
}
