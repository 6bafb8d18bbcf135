// Anomalies and forecasts from the rollups on real PostgreSQL: a spike against the same hour of
// past weeks names its driver, a quiet feature pages nobody, an unpriced model alerts once, and the
// month-end forecast starts from the exact spend to date.
import { afterAll, expect, it } from "vitest";
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
});
