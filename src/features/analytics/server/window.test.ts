import { describe, expect, it } from "vitest";
import { planWindow } from "./window";

const d = (s: string) => new Date(s);
const iso = (r: { from: Date | null; to: Date | null }) => [r.from?.toISOString() ?? null, r.to?.toISOString() ?? null];

describe("planWindow", () => {
  it("reads whole days from daily rollups, day edges from hourly, hour edges raw", () => {
    const p = planWindow({ from: d("2026-11-01T10:30:00Z"), to: d("2026-11-05T07:15:00Z") });
    expect(p.day && iso(p.day)).toEqual(["2026-11-02T00:00:00.000Z", "2026-11-05T00:00:00.000Z"]);
    expect(p.hour.map(iso)).toEqual([
      ["2026-11-01T11:00:00.000Z", "2026-11-02T00:00:00.000Z"],
      ["2026-11-05T00:00:00.000Z", "2026-11-05T07:00:00.000Z"],
    ]);
    expect(p.raw.map(iso)).toEqual([
      ["2026-11-01T10:30:00.000Z", "2026-11-01T11:00:00.000Z"],
      ["2026-11-05T07:00:00.000Z", "2026-11-05T07:15:00.000Z"],
    ]);
  });

  it("covers the window exactly once for aligned, open and tiny windows", () => {
    const cases = [
      { from: d("2026-11-01T00:00:00Z"), to: d("2026-11-03T00:00:00Z") },
      { from: d("2026-11-01T05:00:00Z") },
      { to: d("2026-11-01T05:20:00Z") },
      { from: d("2026-11-01T05:10:00Z"), to: d("2026-11-01T05:20:00Z") },
      { from: d("2026-11-01T05:10:00Z"), to: d("2026-11-01T09:20:00Z") },
      {},
    ];
    for (const f of cases) {
      for (const useDaily of [true, false]) {
        const p = planWindow(f, useDaily);
        const ranges = [...(p.day ? [p.day] : []), ...p.hour, ...p.raw].map((r) => [
          r.from?.getTime() ?? -Infinity,
          r.to?.getTime() ?? Infinity,
        ]);
        ranges.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
        expect(ranges[0]?.[0]).toBe(f.from?.getTime() ?? -Infinity);
        expect(ranges[ranges.length - 1]?.[1]).toBe(f.to?.getTime() ?? Infinity);
        for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.[0]).toBe(ranges[i - 1]?.[1]);
        if (!useDaily) expect(p.day).toBeNull();
      }
    }
  });

  it("uses raw rows only when the rollups cannot answer the filters", () => {
    const p = planWindow({ from: d("2026-11-01T00:00:00Z"), userId: "u1" });
    expect(p.day).toBeNull();
    expect(p.hour).toEqual([]);
    expect(p.raw).toHaveLength(1);
  });
});
