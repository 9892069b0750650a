/**
 * Size strings with binary units ("16GiB", "1.5MiB", "64B") and small helpers
 * for the numbers the config format cares about (powers of two, byte counts).
 */

/** Bytes per binary unit accepted in size strings. */
export const SIZE_UNITS = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 } as const;

/** A unit name accepted in size strings. */
export type SizeUnit = keyof typeof SIZE_UNITS;

/**
 * Regular expression a size string must match: an integer or decimal number,
 * an optional space, then one of the units in {@link SIZE_UNITS}.
 */
export const SIZE_PATTERN = /^(\d+(?:\.\d+)?) ?(B|KiB|MiB|GiB|TiB)$/;

/** Result of {@link parseSizeBytes}: the byte count, or why the value is not a size. */
export type SizeParse = { ok: true; bytes: number } | { ok: false; message: string };

/**
 * Parses a size written as a string with a binary unit or as a plain positive
 * integer number of bytes. Returns the byte count, or a message (without the
 * field name) explaining what is wrong, e.g. that "16GB" should be "16GiB".
 */
export function parseSizeBytes(value: string | number): SizeParse {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value > 0
      ? { ok: true, bytes: value }
      : { ok: false, message: 'must be a positive whole number of bytes' };
  }
  const m = SIZE_PATTERN.exec(value.trim());
  if (!m) return { ok: false, message: sizeSyntaxMessage(value) };
  // A decimal times a power of two is an integer only if the decimal is dyadic,
  // and then the floating-point product is exact, so this test is reliable.
  const bytes = Number(m[1]) * SIZE_UNITS[m[2] as SizeUnit];
  if (!Number.isSafeInteger(bytes)) return { ok: false, message: 'is not a whole number of bytes' };
  if (bytes <= 0) return { ok: false, message: 'must be a positive size' };
  return { ok: true, bytes };
}

/**
 * Returns the message for a string that does not match {@link SIZE_PATTERN},
 * with a suggestion when the user wrote a decimal unit such as "GB".
 */
export function sizeSyntaxMessage(text: string): string {
  const base = 'must be a size such as 16GiB, 1.5MiB or 64B (units B, KiB, MiB, GiB, TiB) or a whole number of bytes';
  const decimal = /^(\d+(?:\.\d+)?) ?([kmgt])b$/i.exec(text.trim());
  if (!decimal) return base;
  const unit = `${decimal[2]!.toUpperCase()}iB`;
  return `${base}; did you mean "${decimal[1]}${unit}"?`;
}

/** Formats a byte count with the largest binary unit that divides it exactly, e.g. "4KiB" or "1536KiB". */
export function formatBytes(bytes: number): string {
  const units = Object.entries(SIZE_UNITS).reverse() as [SizeUnit, number][];
  for (const [unit, size] of units) if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  return `${bytes}B`;
}

/** Returns true when `n` is a positive integer power of two (1, 2, 4, ...). */
export function isPowerOfTwo(n: number): boolean {
  if (!Number.isSafeInteger(n) || n <= 0) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}
