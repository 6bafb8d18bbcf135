import { describe, expect, it } from "vitest";
import { forecastMonth, type DailySpend } from "./forecast";

// 28 days before 2026-12-15 (a Tuesday): weekdays $10, weekends $2
function history(weekday: number, weekend: number): DailySpend[] {
  const out: DailySpend[] = [];
  for (let i = 28; i >= 1; i--) {
    const d = new Date(Date.UTC(2026, 11, 15) - i * 86_400_000);
    const day = d.toISOString().slice(0, 10);
    out.push({ day, costUsd: d.getUTCDay() === 0 || d.getUTCDay() === 6 ? weekend : weekday });
  }
  return out;
}

describe("month-end forecast with day-of-week seasonality", () => {
  it("projects weekdays and weekends at their own rates", () => {
    const f = forecastMonth(history(10, 2), "2026-12-15", 0);
    // Dec 15–31: 13 weekdays, 4 weekend days → 13 × 10 + 4 × 2 = 138
    expect(f.remaining).toBeCloseTo(138, 6);
    expect(f.weekdayFactors[0]).toBeCloseTo(2 / (((10 * 5 + 2 * 2) * 4) / 28), 6);
    // perfectly regular history: no scatter, no range
    expect(f.high - f.low).toBeCloseTo(0, 6);
  });

  it("counts only the rest of today, and widens the range with scatter", () => {
    const half = forecastMonth(history(10, 2), "2026-12-15", 0.5);
    expect(half.remaining).toBeCloseTo(133, 6);
    const noisy = history(10, 2).map((d, i) => ({ ...d, costUsd: d.costUsd * (i % 2 === 0 ? 1.5 : 0.5) }));
    const f = forecastMonth(noisy, "2026-12-15", 0);
    expect(f.low).toBeLessThan(f.remaining);
    expect(f.high).toBeGreaterThan(f.remaining);
    expect(f.low).toBeGreaterThanOrEqual(0);
  });

  it("with no history forecasts nothing more", () => {
    expect(forecastMonth([], "2026-12-15", 0)).toMatchObject({ remaining: 0, low: 0, high: 0 });
  });
});
