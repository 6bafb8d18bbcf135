import { describe, expect, it } from "vitest";
import { averageCost, formatUsd, comparableChange, formatMoney, fromDateTimeLocal, percentChange, sumUsd, toDateTimeLocal, formatTime } from "./display";

describe("dashboard formatting", () => {
  it.each([
    ["1234.5678", "$1,234.57"], ["0", "$0.00"], ["0.000000000000", "$0.00"], ["0.000412300000", "$0.000412"],
    ["0.004", "$0.004000"], ["0.0012", "$0.001200"], ["0.000000000100", "<$0.000001"],
  ])("shows cents, and small non-zero amounts with enough decimals: %s → %s", (decimal, shown) => {
    expect(formatMoney(decimal)).toBe(shown);
  });

  it.each([
    ["1234.565000000000", 2, "$1,234.57"], ["0.004999999999", 2, "$0.00"], ["0.005", 2, "$0.01"],
    ["999999.995", 2, "$1,000,000.00"], ["0", 2, "$0.00"], ["0.000012500000", 6, "$0.000013"],
  ] as const)("rounds half-up exactly on the decimal string: %s to %i digits → %s", (decimal, digits, shown) => {
    expect(formatUsd(decimal, digits)).toBe(shown);
  });

  it("averages and sums exactly", () => {
    expect(averageCost("1.000000000000", 3)).toBe("0.333333333333");
    expect(averageCost("5", 0)).toBe("0");
    expect(sumUsd(["0.1", "0.2", "0.000000000001"])).toBe("0.300000000001");
  });

  it("compares with the previous window", () => {
    expect(percentChange(150, 100)).toBe(50);
    expect(percentChange(0, 0)).toBe(0);
    expect(percentChange(5, 0)).toBeNull();
    // A previous window that barely has data is not compared with (the demo's +105,540%).
    expect(comparableChange(1055.4, 1, 20_000, 3)).toBeNull();
    expect(comparableChange(100, 50, 1000, 49)).toBeNull();
    expect(comparableChange(150, 100, 1000, 900)).toBe(50);
  });

  it("round-trips datetime-local values as UTC", () => {
    expect(toDateTimeLocal("2026-11-25T18:15:00.000Z")).toBe("2026-11-25T18:15");
    expect(fromDateTimeLocal("2026-11-25T18:15")).toBe("2026-11-25T18:15:00.000Z");
    expect(fromDateTimeLocal("2026-11-25")).toBeNull();
    expect(formatTime("2026-11-25T18:15:07.123456Z")).toBe("Nov 25, 18:15:07");
  });
});
