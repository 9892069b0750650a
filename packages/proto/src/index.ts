/**
 * @cdmsim/proto — the bus's protobuf messages (generated from proto/*.proto
 * by the build; see package.json `generate`) and the batch codec workers use
 * to move envelopes through rings.
 */
import { CdmsimError } from '@cdmsim/engine';
import './protobuf-runtime.js';
import { cdmsim } from '../gen/messages.js';

export { cdmsim };

/** An envelope as plain data (what model code builds and reads). */
export type EnvelopeData = cdmsim.Envelope.$Properties;
/** The name of an envelope's body field (`memReq`, `control`, …). */
export type BodyKind = NonNullable<cdmsim.Envelope.$Properties['body']>;

/** Every body kind, in proto field order: index = stable small id for counters. */
export const BODY_KINDS: readonly BodyKind[] = [
  'memReq',
  'memResp',
  'rangeFault',
  'rangeFaultReply',
  'rangeInvalidate',
  'rangeInvalidateAck',
  'migrate',
  'migrateDone',
  'dmaCopy',
  'dmaCopyDone',
  'pageFree',
  'control',
  'coh',
  'pageRecall',
  'pageRecallDone',
  'migrateToDevice',
  'migrateToDeviceDone',
  'migrateToSystem',
  'migrateToSystemDone',
];

/** Position of every body kind in `BODY_KINDS` (a stable small id for counters and event logs). */
export const BODY_KIND_INDEX: Readonly<Record<BodyKind, number>> = Object.fromEntries(BODY_KINDS.map((k, i) => [k, i])) as Record<BodyKind, number>;

/** Returns the body kind of an envelope built as plain data (first set body field). */
export function bodyKindOf(env: EnvelopeData): BodyKind {
  if (env.body) return env.body;
  for (const k of BODY_KINDS) if (env[k] != null) return k;
  throw new CdmsimError(`envelope ${env.src}->${env.dst} seq ${env.seq} has no body`);
}

/** What a sender gives besides the header: its `txn` (optional) and exactly one body field. */
export type EnvelopeBody = Omit<EnvelopeData, 'src' | 'dst' | 'hopSrc' | 'sendTimePs' | 'arriveTimePs' | 'seq' | 'tie'>;

/**
 * Returns the body kind of a body given by a sender (its one body field;
 * `txn` aside). Cheaper than `bodyKindOf` on a plain object: it walks the
 * body's own two keys, not the 19 kinds.
 * @throws CdmsimError when `body` has no body field, or a field that is not one.
 */
export function bodyFieldOf(body: EnvelopeBody): BodyKind {
  for (const key in body) {
    if (key === 'txn' || (body as Record<string, unknown>)[key] == null) continue;
    if (BODY_KIND_INDEX[key as BodyKind] === undefined) throw new CdmsimError(`${key} is not a body field of an envelope`);
    return key as BodyKind;
  }
  throw new CdmsimError('an envelope body needs one body field');
}

/**
 * Returns a new envelope holding `body`'s `kind` field (`bodyFieldOf`): an
 * instance of the generated class (every field defaults on its prototype,
 * so the encoder's presence checks hit there instead of missing on a plain
 * object: about 8× faster to encode, measured) with the header fields
 * stored in one fixed order (so every envelope shares its hidden class up
 * to the body field). The caller sets `arriveTimePs` and `hopSrc` per hop.
 */
export function newEnvelope(src: number, dst: number, sendTimePs: number, seq: number, tie: number, txn: number, kind: BodyKind, body: EnvelopeBody): cdmsim.Envelope {
  const env = new cdmsim.Envelope();
  env.src = src;
  env.dst = dst;
  env.hopSrc = src;
  env.sendTimePs = sendTimePs;
  env.arriveTimePs = 0;
  env.seq = seq;
  env.txn = txn;
  env.tie = tie;
  (env as unknown as Record<BodyKind, unknown>)[kind] = body[kind];
  return env;
}

/**
 * Encodes envelopes as one `Batch` message. Returns a fresh Uint8Array the
 * caller may keep; `envelopes` is not retained.
 */
export function encodeBatch(envelopes: readonly EnvelopeData[]): Uint8Array {
  return cdmsim.Batch.encode({ envelopes: envelopes as EnvelopeData[] }).finish();
}

/**
 * Decodes a `Batch`. Bytes fields of the result are views into `bytes`, so the
 * caller must pass bytes it owns (copy out of a ring before decoding).
 */
export function decodeBatch(bytes: Uint8Array): cdmsim.Envelope[] {
  return cdmsim.Batch.decode(bytes).envelopes as cdmsim.Envelope[];
}

/** Encodes one envelope (unbatched transport, tests, size estimates). */
export function encodeEnvelope(env: EnvelopeData): Uint8Array {
  return cdmsim.Envelope.encode(env).finish();
}

/** Decodes one envelope; same ownership rule as `decodeBatch`. */
export function decodeEnvelope(bytes: Uint8Array): cdmsim.Envelope {
  return cdmsim.Envelope.decode(bytes);
}
