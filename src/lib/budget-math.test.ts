import { describe, expect, it } from "vitest";
import { budgetState, crossedThresholds, runRateForecast } from "./budget-math";
import { parseUsdToPicos as usd } from "./money";

describe("budget arithmetic (exact picodollars)", () => {
  it("crosses a threshold exactly at spent × 100 = limit × t, not a picodollar before", () => {
    const limit = usd("10");
    expect(crossedThresholds(usd("4.999999999999"), limit, [50, 80, 100])).toEqual([]);
    expect(crossedThresholds(usd("5"), limit, [50, 80, 100])).toEqual([50]);
    expect(crossedThresholds(usd("10"), limit, [50, 80, 100])).toEqual([50, 80, 100]);
    // 0.1 + 0.2 in floats is 0.30000000000000004; in picodollars it is exactly 0.3
    expect(crossedThresholds(usd("0.1") + usd("0.2"), usd("0.3"), [100])).toEqual([100]);
  });

  it("states: ok, warning once a lower threshold is reached, exceeded at the limit", () => {
    const limit = usd("100");
    expect(budgetState(usd("49.99"), limit, [50, 80, 100])).toBe("ok");
    expect(budgetState(usd("50"), limit, [50, 80, 100])).toBe("warning");
    expect(budgetState(usd("100"), limit, [50, 80, 100])).toBe("exceeded");
    expect(budgetState(usd("99"), limit, [100])).toBe("ok");
  });

  it("forecasts the period end at the run rate and the moment it reaches the limit", () => {
    const day = 86_400_000;
    const start = Date.UTC(2026, 11, 1);
    const end = Date.UTC(2027, 0, 1); // 31 days
    // $10 in the first 10 days → $31 by the end; a $20 limit is reached on day 20
    const f = runRateForecast(usd("10"), usd("20"), start, end, start + 10 * day);
    expect(f.periodEnd).toBe(usd("31"));
    expect(f.exceedsAtMs).toBe(start + 20 * day);
    // a $40 limit is not reached this period
    expect(runRateForecast(usd("10"), usd("40"), start, end, start + 10 * day).exceedsAtMs).toBeNull();
    // no rate yet in the first minute
    expect(runRateForecast(usd("1"), usd("40"), start, end, start + 1000)).toEqual({ periodEnd: usd("1"), exceedsAtMs: null });
  });
});
