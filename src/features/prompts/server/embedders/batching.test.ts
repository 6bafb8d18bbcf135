import { describe, expect, it } from "vitest";
import { estimateTokens, MAX_TOKENS_PER_INPUT, planRequests, truncateToTokens } from "./batching";

describe("token estimate and request planning", () => {
  it("over-estimates: ASCII at 3 chars per token, other characters by their UTF-8 bytes", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("abcdef")).toBe(2);
    expect(estimateTokens("abcdefg")).toBe(3);
    expect(estimateTokens("é")).toBe(2);
    expect(estimateTokens("日本")).toBe(6);
    expect(estimateTokens("😀")).toBe(4);
  });

  it("truncates to the per-input limit without splitting a surrogate pair", () => {
    const long = "word ".repeat(20_000);
    const t = truncateToTokens(long);
    expect(estimateTokens(t)).toBeLessThanOrEqual(MAX_TOKENS_PER_INPUT);
    expect(t.length).toBeGreaterThan(MAX_TOKENS_PER_INPUT * 3 - 3);
    expect(long.startsWith(t)).toBe(true);
    const emoji = "😀".repeat(5000);
    const e = truncateToTokens(emoji, 10);
    expect(e).toBe("😀😀");
    expect(truncateToTokens("short")).toBe("short");
  });

  it("never puts more than 2048 inputs or the token budget into one request", () => {
    const many = Array.from({ length: 5000 }, (_, i) => `prompt ${i}`);
    const plan = planRequests(many);
    expect(plan.map((p) => p.end - p.start)).toEqual([2048, 2048, 904]);
    const big = Array.from({ length: 10 }, () => "x".repeat(30_000)); // 10,000 tokens each by the estimate
    const byTokens = planRequests(big, { maxTokens: 25_000 });
    expect(byTokens.map((p) => p.end - p.start)).toEqual([2, 2, 2, 2, 2]);
    expect(planRequests(["x".repeat(100_000)], { maxTokens: 10 })).toEqual([{ start: 0, end: 1 }]);
    expect(planRequests([])).toEqual([]);
  });
});
