// Exact money arithmetic. Amounts are bigint picodollars (1e-12 USD): a token priced in
// micro-dollars per 1M tokens costs exactly that many picodollars, so no step ever needs a
// float, and 12 decimals are more than any provider publishes.

export const PICOS_PER_USD = 1_000_000_000_000n;
const USD_DECIMALS = 12;
const MICROS_PER_USD = 1_000_000n;
const PRICE_DECIMALS = 6;

// An exponent beyond this is a typo or an attack (10n ** huge would hang), never money.
const MAX_EXPONENT = 400;

const DECIMAL_RE = /^(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;
const PRICE_RE = /^(\d+)(?:\.(\d{1,6}))?$/;

/**
 * n / d rounded half-to-even (banker's rounding), for any sign of n and d > 0. Half-even keeps
 * sums of many rounded values unbiased, which matters when millions of events are added up.
 */
export function divRoundHalfEven(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError("divisor must be positive");
  const negative = n < 0n;
  const abs = negative ? -n : n;
  let q = abs / d;
  const twiceRem = (abs % d) * 2n;
  if (twiceRem > d || (twiceRem === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/**
 * Parses a non-negative USD amount exactly. Numbers go through their shortest round-trip
 * string ("1e-7", "0.1"), so 0.1 means one tenth, not the binary double nearest to it.
 * More than 12 decimals are rounded half-even to the picodollar.
 */
export function parseUsdToPicos(value: string | number): bigint {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`not a finite amount: ${value}`);
    if (value < 0) throw new RangeError(`negative amount: ${value}`);
    text = String(value); // -0 prints as "0"
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    throw new RangeError("amount must be a string or a number");
  }
  if (text.startsWith("-")) throw new RangeError(`negative amount: ${text}`);
  const m = DECIMAL_RE.exec(text);
  if (!m) throw new RangeError(`not a decimal amount: ${JSON.stringify(text)}`);
  const intPart = m[1] ?? "";
  const fracPart = m[2] ?? m[3] ?? "";
  const exponent = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) {
    throw new RangeError(`exponent out of range: ${text}`);
  }
  const digits = BigInt(intPart + fracPart || "0"); // BigInt accepts leading zeros
  // value = digits × 10^(exponent − fracLen); picos = value × 10^12
  const shift = USD_DECIMALS + exponent - fracPart.length;
  if (shift >= 0) return digits * 10n ** BigInt(shift);
  return divRoundHalfEven(digits, 10n ** BigInt(-shift));
}

/**
 * Formats picodollars as a plain decimal USD string, e.g. 12500000n → "0.000012500000".
 * With fewer than 12 decimals the value is rounded half-even, never truncated.
 */
export function formatPicos(p: bigint, decimals = USD_DECIMALS): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > USD_DECIMALS) {
    throw new RangeError(`decimals must be an integer from 0 to ${USD_DECIMALS}`);
  }
  const scaled = decimals === USD_DECIMALS ? p : divRoundHalfEven(p, 10n ** BigInt(USD_DECIMALS - decimals));
  const negative = scaled < 0n;
  const abs = (negative ? -scaled : scaled).toString();
  const sign = negative ? "-" : "";
  if (decimals === 0) return sign + abs;
  const padded = abs.padStart(decimals + 1, "0");
  return `${sign}${padded.slice(0, -decimals)}.${padded.slice(-decimals)}`;
}

/** Picodollars to nanodollars (1e-9 USD), rounded half-even: for columns with 9 decimals. */
export function picosToNanos(p: bigint): bigint {
  return divRoundHalfEven(p, 1000n);
}

/**
 * Parses a catalog price ("0.0375" USD per 1M tokens) into micro-dollars per 1M tokens
 * (37500n). Strict: plain digits with at most 6 decimals, because a 7th decimal could not be
 * represented exactly and would silently change every cost computed from it.
 */
export function parseMicroPerM(value: string): bigint {
  if (typeof value !== "string") throw new RangeError("price must be a decimal string");
  const m = PRICE_RE.exec(value);
  if (!m) {
    throw new RangeError(
      `invalid price ${JSON.stringify(value)}: expected a non-negative decimal with at most ${PRICE_DECIMALS} decimals`,
    );
  }
  const intPart = BigInt(m[1] ?? "0");
  const frac = (m[2] ?? "").padEnd(PRICE_DECIMALS, "0");
  return intPart * MICROS_PER_USD + BigInt(frac);
}

/** Inverse of parseMicroPerM, for showing a stored price: 37500n → "0.0375". */
export function formatMicroPerM(micro: bigint): string {
  if (micro < 0n) throw new RangeError("price must not be negative");
  const int = micro / MICROS_PER_USD;
  const frac = (micro % MICROS_PER_USD).toString().padStart(PRICE_DECIMALS, "0").replace(/0+$/, "");
  return frac === "" ? int.toString() : `${int}.${frac}`;
}
