/**
 * Makes protobufjs return 64-bit integers as JS numbers instead of Long
 * objects. Must be imported before the generated code is evaluated (the
 * generated prototypes read `util.Long` once at load time). Every 64-bit field
 * in proto/ is a picosecond time, a physical address or a page frame number,
 * all below 2^53, so numbers are exact.
 */
import $protobuf from 'protobufjs/minimal.js';

$protobuf.util.Long = undefined as unknown as typeof $protobuf.util.Long;
$protobuf.configure();
