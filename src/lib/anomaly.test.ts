import { describe, expect, it } from "vitest";
import { detectSpike, median } from "./anomaly";

describe("spike detection (median + MAD of the same hour in past weeks)", () => {
  it("medians", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });

  it("flags a hour far above its usual, and is not fooled by one past outlier", () => {
    const usual = [10, 11, 9, 10.5];
    expect(detectSpike(40, usual).spike).toBe(true);
    expect(detectSpike(12, usual).spike).toBe(false);
    // a past spike does not raise the baseline (a mean would: 10, 11, 9, 500 → 132)
    const withOutlier = [10, 11, 9, 500];
    const v = detectSpike(40, withOutlier);
    expect(v.median).toBe(10.5);
    expect(v.spike).toBe(true);
  });

  it("needs history and volume: a new feature or a quiet one pages nobody", () => {
    expect(detectSpike(40, [10, 10]).spike).toBe(false); // two weeks only
    expect(detectSpike(0.5, [0.01, 0.02, 0.01]).spike).toBe(false); // under $1
    expect(detectSpike(0.5, [0.01, 0.02, 0.01], { minCostUsd: 0.1 }).spike).toBe(true);
  });

  it("a flat history (MAD 0) still needs a real margin", () => {
    expect(detectSpike(10.5, [10, 10, 10, 10]).spike).toBe(false);
    expect(detectSpike(25, [10, 10, 10, 10]).spike).toBe(true);
    expect(detectSpike(5, [0, 0, 0]).ratio).toBe(Infinity);
  });
});
