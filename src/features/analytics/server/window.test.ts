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

  it("with subtract, reads an edge hour mostly inside the window whole, minus the part outside; the rest as before", () => {
    const p = planWindow({ from: d("2026-11-01T10:05:00Z"), to: d("2026-11-05T07:50:00Z") }, true, true);
    expect(p.hour.map(iso)).toEqual([
      ["2026-11-01T10:00:00.000Z", "2026-11-02T00:00:00.000Z"],
      ["2026-11-05T00:00:00.000Z", "2026-11-05T08:00:00.000Z"],
    ]);
    expect(p.raw).toEqual([]);
    expect(p.minus.map(iso)).toEqual([
      ["2026-11-01T10:00:00.000Z", "2026-11-01T10:05:00.000Z"],
      ["2026-11-05T07:50:00.000Z", "2026-11-05T08:00:00.000Z"],
    ]);
    const q = planWindow({ from: d("2026-11-01T10:35:00Z"), to: d("2026-11-05T07:25:00Z") }, true, true);
    expect(q.minus).toEqual([]);
    expect(q.raw.map(iso)).toEqual([
      ["2026-11-01T10:35:00.000Z", "2026-11-01T11:00:00.000Z"],
      ["2026-11-05T07:00:00.000Z", "2026-11-05T07:25:00.000Z"],
    ]);
    expect(planWindow({ from: d("2026-11-01T10:05:00Z") }).minus).toEqual([]); // only when asked
  });

  it("with subtract, what is read minus what is subtracted is the window, exactly once, and never more than half an hour raw per edge", () => {
    const t = (s: string) => d(s).getTime();
    for (let m = 0; m < 60; m += 7) {
      for (const [a, b] of [["2026-11-01T05:", "2026-11-03T09:"], ["2026-11-01T05:", "2026-11-01T09:"], ["2026-11-01T05:", "2026-11-01T06:"]] as const) {
        const from = d(`${a}${String(m).padStart(2, "0")}:00Z`);
        const to = d(`${b}${String((m * 3) % 60).padStart(2, "0")}:00Z`);
        for (const useDaily of [true, false]) {
          const p = planWindow({ from, to }, useDaily, true);
          // Count coverage per minute over the span: +1 per read range, −1 per subtracted range.
          const lo = t("2026-11-01T04:00:00Z");
          const cover = new Map<number, number>();
          const add = (r: { from: Date | null; to: Date | null }, k: number) => {
            for (let x = r.from?.getTime() ?? lo; x < (r.to?.getTime() ?? lo); x += 60_000) cover.set(x, (cover.get(x) ?? 0) + k);
          };
          for (const r of [...(p.day ? [p.day] : []), ...p.hour, ...p.raw]) add(r, 1);
          for (const r of p.minus) {
            add(r, -1);
            expect((r.to?.getTime() ?? 0) - (r.from?.getTime() ?? 0)).toBeLessThan(30 * 60_000);
          }
          for (const r of p.raw) if (p.hour.length || p.day) expect((r.to?.getTime() ?? 0) - (r.from?.getTime() ?? 0)).toBeLessThanOrEqual(30 * 60_000);
          for (const [x, k] of cover) expect(k, `${from.toISOString()}..${to.toISOString()} at ${new Date(x).toISOString()}`).toBe(x >= from.getTime() && x < to.getTime() ? 1 : 0);
          for (let x = from.getTime(); x < to.getTime(); x += 60_000) expect(cover.get(x)).toBe(1);
        }
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
