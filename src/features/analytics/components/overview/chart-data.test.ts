import { describe, expect, it } from "vitest";
import type { TimeseriesPoint } from "~/features/analytics/server/stats";
import { exactValue, OTHER, toChartData } from "./chart-data";

const point = (t: string, group: string | null, costUsd: string): TimeseriesPoint => ({
  t,
  group,
  costUsd,
  calls: 1,
  errors: 0,
  errorRate: 0,
  unpricedCalls: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  avgLatencyMs: null,
});

describe("toChartData", () => {
  const window = { from: "2026-11-01T00:00:00.000Z", to: "2026-11-04T00:00:00.000Z" };

  it("fills every bucket of the window and keeps exact sums for the tooltip", () => {
    const data = toChartData([point("2026-11-02T00:00:00.000000Z", "chat", "0.100000000001")], window, "day");
    expect(data.rows.map((r) => r.t)).toEqual(["2026-11-01T00:00:00.000Z", "2026-11-02T00:00:00.000Z", "2026-11-03T00:00:00.000Z"]);
    expect(data.series).toEqual(["chat"]);
    expect(exactValue(data, "2026-11-02T00:00:00.000Z", "chat")).toBe("0.100000000001");
    expect(exactValue(data, "2026-11-01T00:00:00.000Z", "chat")).toBe("0.000000000000");
  });

  it("ranks groups by exact total cost and folds the tail into other", () => {
    const points = Array.from({ length: 9 }, (_, i) => point("2026-11-01T00:00:00.000000Z", `g${i}`, `${i + 1}.5`));
    points.push(point("2026-11-01T00:00:00.000000Z", null, "0.25"));
    const data = toChartData(points, window, "day");
    expect(data.series).toEqual(["g8", "g7", "g6", "g5", "g4", "g3", "g2", OTHER]);
    // g1 (2.5) + g0 (1.5) + no feature (0.25), exactly
    expect(exactValue(data, "2026-11-01T00:00:00.000Z", OTHER)).toBe("4.250000000000");
  });
});
