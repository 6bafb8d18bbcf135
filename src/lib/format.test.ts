import { describe, expect, it } from "vitest";
import { formatUsd } from "./format";

describe("formatUsd", () => {
  it("rounds exactly on the decimal string", () => {
    expect(formatUsd("1234.565000000000")).toBe("$1,234.57");
    expect(formatUsd("0.004999999999")).toBe("$0.00");
    expect(formatUsd("0.005")).toBe("$0.01");
    expect(formatUsd("999999.995")).toBe("$1,000,000.00");
    expect(formatUsd("0")).toBe("$0.00");
  });
  it("keeps more digits when asked", () => {
    expect(formatUsd("0.000012500000", 6)).toBe("$0.000013");
  });
});
