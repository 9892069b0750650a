/**
 * Runtime settings of protobufjs for the generated code. Must be imported
 * before the generated code is evaluated: it reads both settings once, at
 * load time.
 *
 * 1. 64-bit integers as JS numbers instead of Long objects. Every 64-bit
 *    field in proto/ is a picosecond time, a physical address or a page
 *    frame number, all below 2^53, so numbers are exact.
 * 2. A cheaper oneof setter. Decoding a body sets the oneof's virtual field,
 *    and protobufjs's setter then `delete`s every other member of the oneof
 *    from the message, present or not; on V8 those deletes cost more than
 *    the rest of the decode (measured: batch decode 1.67 M → 2.82 M
 *    envelopes/s with this setter). This setter deletes only members the
 *    message really has, which leaves the same object.
 * 3. Plain Uint8Array writers and readers instead of Node Buffers: the
 *    bytes go into SharedArrayBuffer rings, not sockets, and Buffer
 *    allocation was 8% of encode time (measured: batch encode + decode
 *    1.39 M → 1.60 M envelopes/s).
 */
import $protobuf from 'protobufjs/minimal.js';

$protobuf.util.Long = undefined as unknown as typeof $protobuf.util.Long;
$protobuf.util.Buffer = null as unknown as typeof $protobuf.util.Buffer;
$protobuf.configure();

const hasOwn = Object.prototype.hasOwnProperty;
$protobuf.util.oneOfSetter = function oneOfSetter(fieldNames: string[]) {
  return function setOneOf(this: Record<string, unknown>, name: string): void {
    for (let i = 0; i < fieldNames.length; ++i) {
      const field = fieldNames[i]!;
      if (field !== name && hasOwn.call(this, field)) delete this[field];
    }
  };
} as typeof $protobuf.util.oneOfSetter;
