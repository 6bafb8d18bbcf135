import { describe, expect, it } from "vitest";
import { MemoryRateLimiter } from "./memory-rate-limiter";

const HOUR = 3_600_000;
const t0 = 1_800_000_000_000 - (1_800_000_000_000 % HOUR); // the start of an hour window

describe("MemoryRateLimiter (sliding)", () => {
  it("allows exactly N in a window, then refuses without counting the refusals", () => {
    const m = new MemoryRateLimiter({ windowMs: HOUR, algorithm: "sliding" });
    const seen = Array.from({ length: 5 }, (_, i) => m.limit("a", 3, t0 + i));
    expect(seen.map((r) => [r.success, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
      [false, 0],
    ]);
    expect(seen.every((r) => r.limit === 3 && r.reset === t0 + HOUR)).toBe(true);
    expect(m.limit("b", 3, t0).success).toBe(true); // identifiers are independent
  });

  it("weights the previous window by its remaining overlap, like the Redis script", () => {
    const m = new MemoryRateLimiter({ windowMs: HOUR, algorithm: "sliding" });
    for (let i = 0; i < 10; i++) m.limit("a", 10, t0 + i);
    // A quarter into the next window, 3/4 of the previous 10 still count: floor(7.5) = 7.
    const quarter = t0 + HOUR + HOUR / 4;
    expect(m.limit("a", 10, quarter)).toMatchObject({ success: true, remaining: 10 - (1 + 7) });
    expect(m.limit("a", 10, quarter).remaining).toBe(1);
    expect(m.limit("a", 10, quarter).remaining).toBe(0);
    expect(m.limit("a", 10, quarter).success).toBe(false);
    // Two windows later nothing is left of the old counts.
    expect(m.limit("a", 10, t0 + 3 * HOUR).remaining).toBe(9);
  });
});

describe("MemoryRateLimiter (fixed)", () => {
  it("resets at the window boundary", () => {
    const m = new MemoryRateLimiter({ windowMs: HOUR, algorithm: "fixed" });
    expect([1, 2, 3].map((i) => m.limit("a", 2, t0 + i).success)).toEqual([true, true, false]);
    expect(m.limit("a", 2, t0 + HOUR)).toMatchObject({ success: true, remaining: 1, reset: t0 + 2 * HOUR });
  });
});

describe("MemoryRateLimiter memory bound", () => {
  it("never holds more identifiers than its cap", () => {
    const m = new MemoryRateLimiter({ windowMs: HOUR, algorithm: "sliding", maxEntries: 100 });
    for (let i = 0; i < 1000; i++) m.limit(`key-${i}`, 5, t0);
    expect(m.size).toBeLessThanOrEqual(100);
    // The newest identifiers are kept: their counts still apply.
    expect(m.limit("key-999", 5, t0).remaining).toBe(3);
  });
});

describe("MemoryRateLimiter (eviction, issue 18)", () => {
  it("a flood of fresh identifiers cannot push out a busy counter (a refused IP stays refused)", () => {
    const m = new MemoryRateLimiter({ windowMs: HOUR, algorithm: "sliding", maxEntries: 10 });
    for (let i = 0; i < 3; i++) m.limit("ip:attacker", 3, t0 + i);
    expect(m.limit("ip:attacker", 3, t0 + 3).success).toBe(false);
    // Spray ten times the capacity of one-off identifiers (e.g. made-up API keys).
    for (let i = 0; i < 100; i++) m.limit(`key:${i}`, 3, t0 + 10 + i);
    expect(m.size).toBeLessThanOrEqual(10);
    expect(m.limit("ip:attacker", 3, t0 + 200).success).toBe(false);
  });
});
