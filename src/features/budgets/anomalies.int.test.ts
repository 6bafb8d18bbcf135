// Anomalies and forecasts from the rollups on real PostgreSQL: a spike against the same hour of
// past weeks names its driver, a quiet feature pages nobody, an unpriced model alerts once, and the
// month-end forecast starts from the exact spend to date — its month and days those of the
// project's time zone (New York, and Kolkata's half-hour offset, at a month boundary).
import { afterAll, expect, it } from "vitest";
import { setTimeZone } from "~/features/settings/server";
import { foldAll } from "~/server/rollups/fold";
import { closeTestDb, describeWithDb, newProject, testDb } from "~/test/integration";
import { detectAnomalies, listAnomalies, monthForecast } from "./server";
import { ingestCalls, type TestCall } from "./test-events";

afterAll(closeTestDb);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

const ingest = ingestCalls;

describeWithDb("anomalies and forecasts (real PostgreSQL)", () => {
  it("alerts once on an hour far above the same hour of past weeks, naming the model, user and prompt behind it", async () => {
    const p = await newProject("anomaly");
    const hour = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    const past = [2, 2.2, 1.9, 2.1];
    await ingest(p.projectId, [
      ...past.map((c, i) => ({ at: hour - (i + 1) * WEEK + 60_000, cost: c.toFixed(2), feature: "chat", userId: "usual" })),
      ...past.map((_, i) => ({ at: hour - (i + 1) * WEEK + 60_000, cost: "0.05", feature: "quiet" })),
      { at: hour + 60_000, cost: "15", feature: "chat", model: "gpt-4o", userId: "mallory", prompt: "write me a novel" },
      { at: hour + 120_000, cost: "1", feature: "chat", userId: "usual" },
      { at: hour + 60_000, cost: "0.5", feature: "quiet" }, // 10× its usual, but under $1
    ]);
    expect(await detectAnomalies(testDb().db, p.projectId, new Date(hour))).toBe(2); // feature chat, model gpt-4o
    expect(await detectAnomalies(testDb().db, p.projectId, new Date(hour))).toBe(0); // once
    const list = await listAnomalies(testDb().db, p.projectId, 10);
    const chat = list.find((a) => a.dim === "feature");
    expect(chat).toMatchObject({ kind: "spike", key: "chat", costUsd: "16.000000000000", baselineUsd: "2.050000000000", hour: new Date(hour).toISOString() });
    expect(chat?.drivers).toMatchObject({ model: "gpt-4o", userId: "mallory", ratio: 7.8 });
    expect(chat?.drivers.promptId).toEqual(expect.any(String));
    expect(list.find((a) => a.dim === "model")?.key).toBe("gpt-4o");
    expect(list.some((a) => a.key === "quiet")).toBe(false);
  });

  it("alerts on the first calls of a model without a price, once", async () => {
    const p = await newProject("unpriced");
    const hour = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    await ingest(p.projectId, [{ at: Date.now() - 1000, feature: "chat", model: "mystery-model-9000" }]);
    const row = await testDb().sql<{ cost_source: string }[]>`SELECT cost_source FROM cost_events WHERE project_id = ${p.projectId}`;
    expect(row[0]?.cost_source).toBe("unpriced");
    expect(await detectAnomalies(testDb().db, p.projectId, new Date(hour))).toBe(1);
    await ingest(p.projectId, [{ at: Date.now() - 500, feature: "chat", model: "mystery-model-9000" }]);
    expect(await detectAnomalies(testDb().db, p.projectId, new Date(hour))).toBe(0);
    expect((await listAnomalies(testDb().db, p.projectId, 10)).map((a) => [a.kind, a.key, a.hour])).toEqual([["unpriced_model", "mystery-model-9000", null]]);
  });

  it("forecasts the month end from the exact spend to date plus the run rate", async () => {
    const p = await newProject("forecast");
    const now = new Date();
    const today = Math.floor(now.getTime() / DAY) * DAY;
    const evs: (TestCall & { at: number })[] = [];
    for (let d = 28; d >= 0; d--) {
      const at = today - d * DAY + 1000;
      if (at < now.getTime()) evs.push({ at, cost: "1", feature: d % 2 === 0 ? "a" : "b" });
    }
    await ingest(p.projectId, evs);
    const f = await monthForecast(testDb().db, p.projectId, now);
    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    const spent = evs.filter((e) => e.at >= monthStart).length;
    expect(f.project.spentUsd).toBe(`${spent}.000000000000`);
    expect(f.monthEnd).toBe(new Date(monthEnd).toISOString());
    // $1 every day: the rest of the month at $1/day
    const expected = spent + (monthEnd - now.getTime()) / DAY;
    expect(Math.abs(Number(f.project.expectedUsd) - expected)).toBeLessThanOrEqual(0.011);
    expect(Number(f.project.lowUsd)).toBeLessThanOrEqual(Number(f.project.expectedUsd));
    expect(Number(f.project.highUsd)).toBeGreaterThanOrEqual(Number(f.project.expectedUsd));
    expect(f.features.map((x) => x.feature).sort()).toEqual(spent === 0 ? [] : spent === 1 ? [expect.any(String)] : ["a", "b"]);
  });

  // Local noon of each date from `from` to `to` (days of the month), at `noonUtc` (HH:MM) UTC.
  const noons = (month: string, from: number, to: number, noonUtc: string) =>
    Array.from({ length: to - from + 1 }, (_, i) => `${month}-${String(from + i).padStart(2, "0")}T${noonUtc}:00Z`);

  it("forecasts the month of the project's time zone: New York's December starts at 05:00 UTC", async () => {
    const p = await newProject("forecast-ny");
    const { db } = testDb();
    await setTimeZone(db, p.projectId, "America/New_York");
    await ingest(p.projectId, [
      { at: "2026-11-02T17:00:00Z", cost: "50", feature: "a" }, // Nov 2 in New York: before the 28 days of history
      // $1 every New York day from Nov 3 to Nov 30 (EST: local noon is 17:00 UTC)…
      ...noons("2026-11", 3, 29, "17:00").map((at) => ({ at, cost: "1", feature: "a" })),
      { at: "2026-11-30T17:00:00Z", cost: "0.75", feature: "a" },
      { at: "2026-12-01T04:30:00Z", cost: "0.25", feature: "a" }, // …Nov 30 23:30 EST: November's, though December in UTC
      // December so far: 00:30 and 11:00 EST on Dec 1
      { at: "2026-12-01T05:30:00Z", cost: "0.2", feature: "a" },
      { at: "2026-12-01T16:00:00Z", cost: "0.3", feature: "b" },
    ]);
    const now = new Date("2026-12-01T17:00:00Z"); // Dec 1 12:00 EST: half of the day gone
    // By hand: spent 0.2 + 0.3 = 0.50; every local day of the history cost $1 (factors 1, no
    // scatter), so the rest is half of Dec 1 and Dec 2–31: 30.5 days × $1 = 30.50 → 31.00.
    // Feature a: 0.20 + 30.50 = 30.70; b has no history: 0.30.
    const expected = {
      timeZone: "America/New_York",
      monthStart: "2026-12-01T05:00:00.000Z",
      monthEnd: "2027-01-01T05:00:00.000Z",
      project: { spentUsd: "0.500000000000", expectedUsd: "31.00", lowUsd: "31.00", highUsd: "31.00" },
      features: [
        { feature: "b", spentUsd: "0.300000000000", expectedUsd: "0.30", lowUsd: "0.30", highUsd: "0.30" },
        { feature: "a", spentUsd: "0.200000000000", expectedUsd: "30.70", lowUsd: "30.70", highUsd: "30.70" },
      ],
    };
    expect(await monthForecast(db, p.projectId, now)).toEqual(expected); // from raw events (not folded yet)…
    await foldAll(testDb().sql);
    expect(await monthForecast(db, p.projectId, now)).toEqual(expected); // …and from the rollups
    // the same events in UTC: December has the 23:30 EST call too, and Nov 30 spent $0.75
    await setTimeZone(db, p.projectId, "UTC");
    const utc = await monthForecast(db, p.projectId, now);
    expect(utc).toMatchObject({ timeZone: "UTC", monthStart: "2026-12-01T00:00:00.000Z", monthEnd: "2027-01-01T00:00:00.000Z" });
    expect(utc.project.spentUsd).toBe("0.750000000000");
  });

  it("forecasts Kolkata's month (UTC+05:30): the hour that straddles midnight is split exactly", async () => {
    const p = await newProject("forecast-kolkata");
    const { db } = testDb();
    await setTimeZone(db, p.projectId, "Asia/Kolkata");
    await ingest(p.projectId, [
      { at: "2026-11-02T06:30:00Z", cost: "50" }, // Nov 2 in Kolkata: before the history
      // $2 every Kolkata day from Nov 3 to Nov 30 (local noon is 06:30 UTC)…
      ...noons("2026-11", 3, 29, "06:30").map((at) => ({ at, cost: "2" })),
      { at: "2026-11-30T06:30:00Z", cost: "1.5" },
      { at: "2026-11-30T18:15:00Z", cost: "0.5" }, // …Nov 30 23:45 IST
      // Dec 1 00:15 IST: the same UTC hour (18:00–19:00) as the call before, but December's
      { at: "2026-11-30T18:45:00Z", cost: "0.3" },
      { at: "2026-12-01T05:00:00Z", cost: "0.7" },
    ]);
    const now = new Date("2026-12-01T06:30:00Z"); // Dec 1 12:00 IST
    // By hand: spent 0.3 + 0.7 = 1.00; $2 a day (Nov 30 = 1.5 + 0.5), so 30.5 days × $2 = 61 → 62.00.
    const expected = {
      timeZone: "Asia/Kolkata",
      monthStart: "2026-11-30T18:30:00.000Z",
      monthEnd: "2026-12-31T18:30:00.000Z",
      project: { spentUsd: "1.000000000000", expectedUsd: "62.00", lowUsd: "62.00", highUsd: "62.00" },
      features: [{ feature: null, spentUsd: "1.000000000000", expectedUsd: "62.00", lowUsd: "62.00", highUsd: "62.00" }],
    };
    expect(await monthForecast(db, p.projectId, now)).toEqual(expected);
    await foldAll(testDb().sql);
    expect(await monthForecast(db, p.projectId, now)).toEqual(expected);
  });
});
