// Deterministic record contents shared by the ring producer and consumer.
export function recordLength(seq, maxLen) {
  return (Math.imul(seq, 2654435761) >>> 0) % (maxLen + 1);
}

function byteAt(seq, i) {
  return (seq * 31 + i * 7) & 0xff;
}

export function fillRecord(data, off, len, seq) {
  for (let i = 0; i < len; i++) data[off + i] = byteAt(seq, i);
}

export function checkRecord(data, off, len, seq) {
  for (let i = 0; i < len; i++) if (data[off + i] !== byteAt(seq, i)) return false;
  return true;
}
