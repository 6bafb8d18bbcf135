// Budget arithmetic on exact picodollars (src/lib/money.ts): which thresholds a spend crossed,
// the budget's state, and the run-rate forecast for the rest of its period.

export type BudgetState = "ok" | "warning" | "exceeded";

/** Thresholds (percent of the limit) reached by `spent`: spent × 100 ≥ limit × t, exactly. */
export function crossedThresholds(spent: bigint, limit: bigint, thresholds: readonly number[]): number[] {
  return thresholds.filter((t) => spent * 100n >= limit * BigInt(t));
}

/** exceeded at 100 %, warning once any lower threshold is reached, else ok. */
export function budgetState(spent: bigint, limit: bigint, thresholds: readonly number[]): BudgetState {
  if (spent >= limit) return "exceeded";
  return crossedThresholds(spent, limit, thresholds).some((t) => t < 100) ? "warning" : "ok";
}

export type RunRateForecast = { periodEnd: bigint; exceedsAtMs: number | null };

/**
 * Spend at the period's end if the rate so far continues (spent × period length ÷ elapsed), and
 * when it reaches the limit if that is before the end. Integer arithmetic throughout; before the
 * first minute of a period there is no rate yet and the forecast is the spend itself.
 */
export function runRateForecast(spent: bigint, limit: bigint, startMs: number, endMs: number, nowMs: number): RunRateForecast {
  const elapsed = BigInt(Math.max(0, Math.min(nowMs, endMs) - startMs));
  const length = BigInt(Math.max(1, endMs - startMs));
  if (elapsed < 60_000n || spent === 0n) return { periodEnd: spent, exceedsAtMs: spent >= limit ? nowMs : null };
  const periodEnd = (spent * length) / elapsed;
  if (spent >= limit) return { periodEnd, exceedsAtMs: nowMs };
  if (periodEnd < limit) return { periodEnd, exceedsAtMs: null };
  // limit reached after limit × elapsed ÷ spent of the period
  const at = startMs + Number((limit * elapsed) / spent);
  return { periodEnd, exceedsAtMs: at <= endMs ? at : null };
}
