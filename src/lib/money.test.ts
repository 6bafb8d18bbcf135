import { describe, expect, it } from "vitest";
import {
  PICOS_PER_USD,
  divRoundHalfEven,
  formatMicroPerM,
  formatPicos,
  parseMicroPerM,
  parseUsdToPicos,
  picosToNanos,
} from "./money";

describe("parseUsdToPicos", () => {
  it("parses decimal strings exactly", () => {
    expect(parseUsdToPicos("0")).toBe(0n);
    expect(parseUsdToPicos("1")).toBe(PICOS_PER_USD);
    expect(parseUsdToPicos("0.0123")).toBe(12_300_000_000n);
    expect(parseUsdToPicos("0.000000000001")).toBe(1n);
    expect(parseUsdToPicos("12.5")).toBe(12_500_000_000_000n);
    expect(parseUsdToPicos(".5")).toBe(500_000_000_000n);
    expect(parseUsdToPicos("3.")).toBe(3n * PICOS_PER_USD);
    expect(parseUsdToPicos("007.10")).toBe(7_100_000_000_000n);
    expect(parseUsdToPicos("  2.5  ")).toBe(2_500_000_000_000n);
  });

  it("parses exponents in strings and numbers", () => {
    expect(parseUsdToPicos("1e-7")).toBe(100_000n);
    expect(parseUsdToPicos("2.5E-3")).toBe(2_500_000_000n);
    expect(parseUsdToPicos("1e3")).toBe(1000n * PICOS_PER_USD);
    expect(parseUsdToPicos("1e+2")).toBe(100n * PICOS_PER_USD);
    expect(parseUsdToPicos(1e-7)).toBe(100_000n); // String(1e-7) === "1e-7"
    expect(parseUsdToPicos(1e21)).toBe(10n ** 21n * PICOS_PER_USD); // "1e+21"
  });

  it("uses the shortest round-trip string of a number, not its binary value", () => {
    // 0.1 is 0.1000000000000000055511151231257827… in binary; money means one tenth.
    expect(parseUsdToPicos(0.1)).toBe(100_000_000_000n);
    expect(parseUsdToPicos(0.1 + 0.2)).toBe(300_000_000_000n); // "0.30000000000000004" rounds at 12 decimals
    expect(parseUsdToPicos(0.0375)).toBe(37_500_000_000n);
    expect(parseUsdToPicos(-0)).toBe(0n);
  });

  it("rounds beyond 12 decimals half to even", () => {
    expect(parseUsdToPicos("0.0000000000005")).toBe(0n); // 0.5 pico → even 0
    expect(parseUsdToPicos("0.0000000000015")).toBe(2n); // 1.5 → 2
    expect(parseUsdToPicos("0.0000000000025")).toBe(2n); // 2.5 → 2
    expect(parseUsdToPicos("0.00000000000250001")).toBe(3n); // above half → up
    expect(parseUsdToPicos("0.0000000000024999")).toBe(2n);
    expect(parseUsdToPicos("1e-13")).toBe(0n);
    expect(parseUsdToPicos("6e-13")).toBe(1n);
  });

  it.each([["-1"], ["-0.5"], ["abc"], [""], ["1.2.3"], ["1e"], ["0x10"], ["1,5"], ["NaN"], ["Infinity"], ["1e99999"]])(
    "rejects %j",
    (bad) => {
      expect(() => parseUsdToPicos(bad)).toThrow(RangeError);
    },
  );

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY], [-1e-9]])("rejects %p", (bad) => {
    expect(() => parseUsdToPicos(bad)).toThrow(RangeError);
  });
});

describe("formatPicos", () => {
  it("formats 12 decimals exactly by default", () => {
    expect(formatPicos(12_500_000n)).toBe("0.000012500000");
    expect(formatPicos(0n)).toBe("0.000000000000");
    expect(formatPicos(1n)).toBe("0.000000000001");
    expect(formatPicos(1_234_567_890_123_456n)).toBe("1234.567890123456");
    expect(formatPicos(-1_500_000_000_000n)).toBe("-1.500000000000");
  });

  it("rounds half to even when fewer decimals are asked", () => {
    expect(formatPicos(12_500_000n, 6)).toBe("0.000012"); // 12.5 µ$ → 12 (even)
    expect(formatPicos(13_500_000n, 6)).toBe("0.000014"); // 13.5 → 14 (even)
    expect(formatPicos(13_500_001n, 6)).toBe("0.000014");
    expect(formatPicos(2_500_000_000_000n, 0)).toBe("2");
    expect(formatPicos(3_500_000_000_000n, 0)).toBe("4");
    expect(formatPicos(-2_500_000_000_000n, 0)).toBe("-2");
    expect(formatPicos(5_000_000_000n, 2)).toBe("0.00"); // 0.005 → 0.00
    expect(formatPicos(15_000_000_000n, 2)).toBe("0.02"); // 0.015 → 0.02
  });

  it("round-trips with parseUsdToPicos", () => {
    for (const p of [0n, 1n, 999n, 12_345_678_901_234n, 10n ** 18n + 7n]) {
      expect(parseUsdToPicos(formatPicos(p))).toBe(p);
    }
  });

  it("rejects impossible decimals", () => {
    expect(() => formatPicos(1n, 13)).toThrow(RangeError);
    expect(() => formatPicos(1n, -1)).toThrow(RangeError);
    expect(() => formatPicos(1n, 1.5)).toThrow(RangeError);
  });
});

describe("divRoundHalfEven and picosToNanos", () => {
  it("rounds ties to even for both signs", () => {
    expect(divRoundHalfEven(5n, 2n)).toBe(2n);
    expect(divRoundHalfEven(7n, 2n)).toBe(4n);
    expect(divRoundHalfEven(-5n, 2n)).toBe(-2n);
    expect(divRoundHalfEven(-7n, 2n)).toBe(-4n);
    expect(divRoundHalfEven(8n, 3n)).toBe(3n);
    expect(() => divRoundHalfEven(1n, 0n)).toThrow(RangeError);
  });

  it("converts picos to nanos", () => {
    expect(picosToNanos(1500n)).toBe(2n);
    expect(picosToNanos(2500n)).toBe(2n);
    expect(picosToNanos(2501n)).toBe(3n);
    expect(picosToNanos(999_999n)).toBe(1000n);
  });
});

describe("parseMicroPerM", () => {
  it("converts USD per 1M tokens to micro-dollars per 1M tokens", () => {
    expect(parseMicroPerM("0.0375")).toBe(37_500n);
    expect(parseMicroPerM("2.50")).toBe(2_500_000n);
    expect(parseMicroPerM("10")).toBe(10_000_000n);
    expect(parseMicroPerM("0.000001")).toBe(1n);
    expect(parseMicroPerM("0")).toBe(0n);
    expect(parseMicroPerM("600.00")).toBe(600_000_000n);
  });

  it.each([["0.0000001"], ["-1"], ["1e-3"], [""], [".5"], ["1."], [" 1"], ["1,5"], ["abc"]])("rejects %j", (bad) => {
    expect(() => parseMicroPerM(bad)).toThrow(RangeError);
  });

  it("formats back to the shortest decimal", () => {
    expect(formatMicroPerM(37_500n)).toBe("0.0375");
    expect(formatMicroPerM(2_500_000n)).toBe("2.5");
    expect(formatMicroPerM(10_000_000n)).toBe("10");
    expect(formatMicroPerM(parseMicroPerM("0.003625"))).toBe("0.003625");
  });
});
