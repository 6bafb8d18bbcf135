// Option checks and sizes shared by the profiler (no I/O).

/** An integer option in [0, max], or the fallback when absent; anything else throws. */
export function positiveInt(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${name} must be an integer between 0 and ${max}`);
  return value;
}

/** UTF-8 length without allocating an encoded copy. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}
