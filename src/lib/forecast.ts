// Month-end spend forecast from the run rate with day-of-week seasonality, with a range.
// Inputs are daily spends (USD) of complete calendar days — local days of the project's time zone;
// only their dates matter here — and the answer is an estimate, so floats are fine here: the spend
// to date it starts from stays the exact figure the caller has.

export type DailySpend = { day: string; costUsd: number }; // day: YYYY-MM-DD (a calendar date)

export type MonthForecast = {
  /** Expected spend over the rest of the month (USD), added to the exact spend to date by the caller. */
  remaining: number;
  low: number;
  high: number;
  /** Multipliers by day of week of the calendar date (0 = Sunday) applied to the base rate. */
  weekdayFactors: number[];
  /** De-seasonalised daily rate (USD per day). */
  dailyRate: number;
};

const DAY_MS = 86_400_000;
const dow = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay();

/**
 * `history`: complete days before `today`, oldest first (the last 28 are used). `today` is the
 * current calendar date (in the project's time zone; the dates are walked as UTC dates, which only
 * names them) and `elapsedOfToday` the fraction of it already spent (its spend is in the spend
 * to date). The rest of today and every later day of the month are forecast as
 * rate × weekday factor; the range widens with the day-to-day scatter (about a 90 % band).
 */
export function forecastMonth(history: readonly DailySpend[], today: string, elapsedOfToday: number): MonthForecast {
  const recent = history.slice(-28);
  const overall = recent.length === 0 ? 0 : recent.reduce((s, d) => s + d.costUsd, 0) / recent.length;
  const sums = Array.from({ length: 7 }, () => ({ sum: 0, n: 0 }));
  for (const d of recent) {
    const slot = sums[dow(d.day)];
    if (slot) {
      slot.sum += d.costUsd;
      slot.n += 1;
    }
  }
  // A weekday needs two samples before it gets a factor of its own.
  const weekdayFactors = sums.map((s) => (s.n >= 2 && overall > 0 ? s.sum / s.n / overall : 1));
  const last7 = recent.slice(-7);
  const deseason = (d: DailySpend) => d.costUsd / ((weekdayFactors[dow(d.day)] ?? 1) || 1);
  const dailyRate = last7.length === 0 ? 0 : last7.reduce((s, d) => s + deseason(d), 0) / last7.length;
  const residuals = recent.map((d) => deseason(d) - dailyRate);
  const sd = residuals.length < 2 ? dailyRate * 0.5 : Math.sqrt(residuals.reduce((s, r) => s + r * r, 0) / (residuals.length - 1));
  const start = new Date(`${today}T00:00:00Z`);
  const monthEnd = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
  let remaining = 0;
  let days = 0;
  for (let t = start.getTime(); t < monthEnd; t += DAY_MS) {
    const share = t === start.getTime() ? Math.max(0, 1 - elapsedOfToday) : 1;
    remaining += dailyRate * (weekdayFactors[new Date(t).getUTCDay()] ?? 1) * share;
    days += share;
  }
  const spread = 1.645 * sd * Math.sqrt(days);
  return { remaining, low: Math.max(0, remaining - spread), high: remaining + spread, weekdayFactors, dailyRate };
}
