import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LATENCY_MAX_BUCKET } from "~/lib/latency";
import { addPacked } from "./latency";

describe("addPacked", () => {
  it("adds each bucket's count, multi-digit and up to the largest bucket", () => {
    const h = new Float64Array(LATENCY_MAX_BUCKET + 1);
    addPacked(h, "0,7,120,255", "3,10,4096,900719925474");
    addPacked(h, "7,255", "1,1");
    expect([h[0], h[7], h[120], h[255]]).toEqual([3, 11, 4096, 900719925475]);
    expect(h.reduce((s, n) => s + n, 0)).toBe(3 + 11 + 4096 + 900719925475);
  });

  it("equals a plain split-and-sum for any packed row", () => {
    const row = fc.uniqueArray(fc.integer({ min: 0, max: LATENCY_MAX_BUCKET }), { minLength: 1, maxLength: 60 }).chain((buckets) =>
      fc.tuple(fc.constant(buckets.sort((a, b) => a - b)), fc.array(fc.integer({ min: 1, max: 2 ** 40 }), { minLength: buckets.length, maxLength: buckets.length })),
    );
    fc.assert(
      fc.property(fc.array(row, { maxLength: 5 }), (rows) => {
        const h = new Float64Array(LATENCY_MAX_BUCKET + 1);
        const expected = new Float64Array(LATENCY_MAX_BUCKET + 1);
        for (const [buckets, counts] of rows) {
          addPacked(h, buckets.join(","), counts.join(","));
          buckets.forEach((b, i) => (expected[b] = (expected[b] ?? 0) + (counts[i] ?? 0)));
        }
        expect([...h]).toEqual([...expected]);
      }),
    );
  });

  it("refuses a bucket out of range rather than dropping it", () => {
    expect(() => addPacked(new Float64Array(LATENCY_MAX_BUCKET + 1), "256", "1")).toThrow(/out of range/);
  });
});
