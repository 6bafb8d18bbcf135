import { describe, expect, it } from "vitest";
import { mostRestrictive, RateLimiter, rateLimitHeaders, retryAfterSeconds } from "./rate-limit";

const ok = (remaining: number, limit = 10) => ({ success: true, limit, remaining, reset: 7_200_000 });
const refused = (reset: number, limit = 10) => ({ success: false, limit, remaining: 0, reset });

describe("mostRestrictive", () => {
  it("prefers a refusal, then the fewest remaining, then the latest reset", () => {
    expect(mostRestrictive([ok(5), ok(2, 3)])).toEqual(ok(2, 3));
    expect(mostRestrictive([ok(0), refused(7_200_000, 50)])).toEqual(refused(7_200_000, 50));
    expect(mostRestrictive([refused(3_600_000), refused(7_200_000, 5)])).toEqual(refused(7_200_000, 5));
    expect(() => mostRestrictive([])).toThrow();
  });
});

describe("headers", () => {
  it("Reset is epoch seconds (rounded up) and Retry-After whole seconds, never 0", () => {
    expect(rateLimitHeaders({ success: true, limit: 10, remaining: 3, reset: 1_800_000_000_500 })).toEqual({
      "x-ratelimit-limit": "10",
      "x-ratelimit-remaining": "3",
      "x-ratelimit-reset": "1800000001",
    });
    expect(retryAfterSeconds(refused(10_000), 8_500)).toBe(2);
    expect(retryAfterSeconds(refused(10_000), 10_000)).toBe(1);
    expect(retryAfterSeconds(refused(10_000), 12_000)).toBe(1);
  });
});

describe("RateLimiter without Redis", () => {
  it("counts in process with the most restrictive subject deciding", async () => {
    const limiter = new RateLimiter({
      redis: null,
      prefix: "t",
      algorithm: "sliding",
      windowMs: 3_600_000,
      timeoutMs: 50,
      onStateChange: () => undefined,
    });
    expect(limiter.state).toBe("memory");
    const subjects = [
      { id: "ingest:ip:1.2.3.4", limit: 5 },
      { id: "ingest:key:k", limit: 2 },
    ];
    const a = await limiter.limit(subjects);
    const b = await limiter.limit(subjects);
    const c = await limiter.limit(subjects);
    expect([a, b, c].map((d) => [d.success, d.limit, d.remaining, d.source])).toEqual([
      [true, 2, 1, "memory"],
      [true, 2, 0, "memory"],
      [false, 2, 0, "memory"],
    ]);
    // The IP counter took the refused request too (both counters are checked at once).
    expect((await limiter.limit([{ id: "ingest:ip:1.2.3.4", limit: 5 }])).remaining).toBe(1);
  });
});
