// Display formatting for the dashboard. Money stays an exact decimal string until here; dates
// are shown in UTC so the server's HTML and the browser's render agree wherever the user is.
import { UTCDate } from "@date-fns/utc";
import { format } from "date-fns";
import { divRoundHalfEven, formatPicos, parseUsdToPicos } from "./money";

/** "1234.5678" → "$1,234.57" (rounded half-up on the decimal string, no float). */
export function formatUsd(decimal: string, fractionDigits = 2): string {
  const negative = decimal.startsWith("-");
  const [intPartRaw = "0", fracRaw = ""] = (negative ? decimal.slice(1) : decimal).split(".");
  const frac = fracRaw.padEnd(fractionDigits + 1, "0");
  let units = BigInt(intPartRaw + frac.slice(0, fractionDigits));
  if (Number(frac[fractionDigits] ?? "0") >= 5) units += 1n;
  const scale = 10n ** BigInt(fractionDigits);
  const whole = (units / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = fractionDigits > 0 ? "." + (units % scale).toString().padStart(fractionDigits, "0") : "";
  return `${negative ? "-" : ""}$${whole}${cents}`;
}

export function formatInt(n: number): string {
  return n.toLocaleString("en-US");
}

/** Cents when the amount reaches a cent; otherwise enough decimals to show it (never "$0.00" for a non-zero cost). */
export function formatMoney(decimal: string): string {
  const cents = formatUsd(decimal, 2);
  if (cents !== "$0.00" || /^-?0*(\.0*)?$/.test(decimal)) return cents;
  // Sub-cent amounts always show six decimals, so a column of them lines up digit for digit.
  const fine = formatUsd(decimal, 6);
  return fine === "$0.000000" ? "<$0.000001" : fine;
}

/** Exact average cost per call as a decimal string (picodollar precision). */
export function averageCost(costUsd: string, calls: number): string {
  if (calls <= 0) return "0";
  return formatPicos(divRoundHalfEven(parseUsdToPicos(costUsd), BigInt(calls)));
}

/** Exact sum of decimal strings. */
export function sumUsd(values: readonly string[]): string {
  return formatPicos(values.reduce((s, v) => s + parseUsdToPicos(v), 0n));
}

/** Dollars as a float, for chart geometry only (never displayed as a figure). */
export function usdForChart(decimal: string): number {
  return Number(formatPicos(parseUsdToPicos(decimal), 6));
}

/** Relative change in percent, or null when there is no previous value to compare with. */
/**
 * A previous window with too little traffic makes any change meaningless (+105,540% because the
 * demo data starts mid-window): below this many calls, or this share of the current window's
 * calls, the change is not shown.
 */
export const MIN_PREVIOUS_CALLS = 20;
export const MIN_PREVIOUS_SHARE = 0.05;

/** percentChange, or null when the previous window is too thin to compare with. */
export function comparableChange(current: number, previous: number, currentCalls: number, previousCalls: number): number | null {
  if (previousCalls < MIN_PREVIOUS_CALLS || previousCalls < currentCalls * MIN_PREVIOUS_SHARE) return null;
  return percentChange(current, previous);
}

export function percentChange(current: number, previous: number): number | null {
  if (previous === 0) return current === 0 ? 0 : null;
  return ((current - previous) / previous) * 100;
}

export function formatPercent(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)}%`;
}

export function formatTokens(n: number): string {
  return formatInt(n);
}

/** 1234567 → "1.2M" for card headlines; exact figures go in the title. */
export function formatCompact(n: number): string {
  if (Math.abs(n) < 10_000) return formatInt(n);
  const units: [number, string][] = [
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "K"],
  ];
  for (const [size, suffix] of units) {
    if (Math.abs(n) >= size) return `${(n / size).toFixed(n / size >= 100 ? 0 : 1)}${suffix}`;
  }
  return formatInt(n);
}

export function formatLatency(ms: number | null): string {
  return ms === null ? "—" : `${formatInt(ms)} ms`;
}

export function formatTime(iso: string, pattern = "MMM d, HH:mm:ss"): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : format(new UTCDate(t), pattern);
}

/** "2026-11-25T18:15:00.000Z" → "2026-11-25T18:15" for a datetime-local input (UTC). */
export function toDateTimeLocal(iso: string): string {
  return iso.slice(0, 16);
}

/** A datetime-local value read as UTC back to ISO-8601, or null when incomplete. */
export function fromDateTimeLocal(value: string): string | null {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(value)) return null;
  const t = Date.parse(`${value}:00Z`);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
