import { describe, expect, it } from "vitest";
import { latencyBucket, latencyBucketUpperMs } from "./latency";

describe("latency buckets", () => {
  it("every value lies at or below its bucket's upper bound and above the previous bucket's", () => {
    for (let ms = 0; ms <= 200_000; ms += ms < 2000 ? 1 : 97) {
      const b = latencyBucket(ms);
      expect(latencyBucketUpperMs(b)).toBeGreaterThanOrEqual(ms);
      if (b > 1) expect(latencyBucketUpperMs(b - 1)).toBeLessThan(ms + 1);
    }
  });

  it("upper bounds stay within 9.1% of the values they hold above 100 ms", () => {
    for (const ms of [101, 250, 999, 1234, 45_678, 600_000]) {
      expect(latencyBucketUpperMs(latencyBucket(ms)) / ms).toBeLessThan(1.091);
    }
  });

  it("is monotonic", () => {
    let prev = 0;
    for (let ms = 0; ms < 100_000; ms += 13) {
      const b = latencyBucket(ms);
      expect(b).toBeGreaterThanOrEqual(prev);
      prev = b;
    }
  });
});
