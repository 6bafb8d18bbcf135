import { afterAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { modelPrices } from "~/server/db/schema";
import { closeTestDb, describeWithDb, newProject, testDb } from "~/test/integration";
import { computeCostPicos } from "./compute";
import { priceEntrySchema, toPrice } from "./catalog";
import { entryToRow } from "./server/price-rows";
import { invalidatePrices } from "./server/pricer";
import { repriceProject } from "./server/reprice";
import { formatPicos } from "~/lib/money";
import { getSummary } from "~/features/analytics/server";
import { foldAll } from "~/server/rollups/fold";

afterAll(closeTestDb);

describeWithDb("prices:reprice", () => {
  it("reprices computed and unpriced events after a custom price, keeping rollups and prompt totals exact", async () => {
    const { projectId } = await newProject("reprice");
    const base = { inputTokens: 10_000, outputTokens: 2_000, cachedInputTokens: 4_000, prompt: "same prompt" };
    const events = Array.from({ length: 300 }, (_, i) => ({
      ...base,
      id: `r${i}`,
      userId: `u${i % 7}`,
      tags: i % 2 === 0 ? ["even", "all"] : ["all"],
      timestamp: new Date(Date.now() - (i % 48) * 3_600_000 - 1000).toISOString(),
      provider: i % 3 === 0 ? "acme" : "openai",
      model: i % 3 === 0 ? "acme-7b" : "gpt-4o-mini",
      feature: `f${i % 4}`,
      ...(i % 10 === 1 ? { costUsd: "0.5" } : {}),
    }));
    // Half folded into the rollups before repricing, half (most likely) not yet: both must end exact.
    await ingestEvents(testDb(), projectId, events.slice(0, 150));
    await foldAll(testDb().sql);
    await ingestEvents(testDb(), projectId, events.slice(150));
    const { sql, db } = testDb();
    const before = await sql`SELECT count(*)::int AS n FROM cost_events WHERE project_id = ${projectId} AND cost_source = 'unpriced'`;
    expect(before[0]?.n).toBe(90); // 100 acme calls, 10 of them with a reported cost

    const custom = [
      priceEntrySchema.parse({ provider: "acme", model: "acme-7b", input: "0.20", output: "0.80", cachedInput: "0.05", effectiveFrom: "2020-01-01", source: "our contract" }),
      priceEntrySchema.parse({ provider: "openai", model: "gpt-4o-mini", input: "0.10", output: "0.40", cachedInput: "0.01", effectiveFrom: "2020-01-01", source: "negotiated" }),
    ];
    await db.insert(modelPrices).values(custom.map((e) => entryToRow(e, projectId, null)));
    invalidatePrices(projectId);

    const result = await repriceProject(testDb(), projectId, new Date(Date.now() - 7 * 86_400_000));
    expect(result.scanned).toBe(270); // the 30 reported events are never touched
    expect(result.updated).toBe(270);
    const [c0, c1] = custom.map((e) => formatPicos(computeCostPicos(toPrice(e, true), base)));
    const byModel = await sql<{ model: string; source: string; cost: string; n: number }[]>`
      SELECT model, cost_source AS source, cost_usd::text AS cost, count(*)::int AS n FROM cost_events
      WHERE project_id = ${projectId} GROUP BY 1, 2, 3 ORDER BY 1, 2`;
    expect(byModel).toEqual([
      { model: "acme-7b", source: "computed", cost: c0, n: 90 },
      { model: "acme-7b", source: "reported", cost: "0.500000000000", n: 10 },
      { model: "gpt-4o-mini", source: "computed", cost: c1, n: 180 },
      { model: "gpt-4o-mini", source: "reported", cost: "0.500000000000", n: 20 },
    ]);
    const live = await getSummary(db, projectId, {});
    const [raw] = await sql<{ cost: string; unpriced: number }[]>`
      SELECT sum(cost_usd)::text AS cost, count(*) FILTER (WHERE cost_source = 'unpriced')::int AS unpriced
      FROM cost_events WHERE project_id = ${projectId}`;
    expect(live.costUsd).toBe(raw?.cost);
    expect(live.unpricedCalls).toBe(0);
    await foldAll(sql);
    const check = await sql<{ raw: string; roll: string; daily: string; unpriced: string; prompt: string; users: string; tag_all: string; mix: string; totals: string; mix_f: string; mix_m: string; totals_unpriced: string }[]>`
      SELECT (SELECT sum(cost_usd)::text FROM cost_events WHERE project_id = ${projectId}) AS raw,
             (SELECT sum(cost_usd)::text FROM attribution_hourly WHERE project_id = ${projectId} AND dim = 'user') AS users,
             (SELECT sum(cost_usd)::text FROM attribution_daily WHERE project_id = ${projectId} AND dim = 'tag' AND key = 'all') AS tag_all,
             (SELECT sum(cost_usd)::text FROM token_mix_daily WHERE project_id = ${projectId}) AS mix,
             (SELECT sum(cost_usd)::text FROM user_totals WHERE project_id = ${projectId}) AS totals,
             (SELECT sum(cost_usd)::text FROM user_mix_totals WHERE project_id = ${projectId} AND kind = 'feature') AS mix_f,
             (SELECT sum(cost_usd)::text FROM user_mix_totals WHERE project_id = ${projectId} AND kind = 'model') AS mix_m,
             (SELECT sum(unpriced_calls)::text FROM user_totals WHERE project_id = ${projectId}) AS totals_unpriced,
             (SELECT sum(cost_usd)::text FROM usage_hourly WHERE project_id = ${projectId}) AS roll,
             (SELECT sum(cost_usd)::text FROM usage_daily WHERE project_id = ${projectId}) AS daily,
             (SELECT sum(unpriced_calls)::text FROM usage_hourly WHERE project_id = ${projectId}) AS unpriced,
             (SELECT total_cost_usd::text FROM prompts WHERE project_id = ${projectId}) AS prompt`;
    expect(check[0]?.roll).toBe(check[0]?.raw);
    expect(check[0]?.daily).toBe(check[0]?.raw);
    expect(check[0]?.prompt).toBe(check[0]?.raw);
    // The attribution rollups and the token mix move with the repriced costs too.
    expect([check[0]?.users, check[0]?.tag_all, check[0]?.mix, check[0]?.totals]).toEqual([check[0]?.raw, check[0]?.raw, check[0]?.raw, check[0]?.raw]);
    expect([check[0]?.mix_f, check[0]?.mix_m, check[0]?.totals_unpriced]).toEqual([check[0]?.raw, check[0]?.raw, "0"]);
    expect(check[0]?.unpriced).toBe("0");
    // The recent totals (last day: the events since its anchor; last week: all) move too.
    const [recent] = await sql<{ raw_day: string; day: string; week: string; unpriced: string }[]>`
      SELECT (SELECT sum(e.cost_usd)::text FROM cost_events e, user_recent_anchors a WHERE e.project_id = ${projectId} AND a.span_days = 1 AND e.ts >= a.anchor) AS raw_day,
             (SELECT sum(cost_usd)::text FROM user_recent_totals WHERE project_id = ${projectId} AND span_days = 1) AS day,
             (SELECT sum(cost_usd)::text FROM user_recent_totals WHERE project_id = ${projectId} AND span_days = 7) AS week,
             (SELECT sum(unpriced_calls)::text FROM user_recent_totals WHERE project_id = ${projectId}) AS unpriced`;
    expect(recent).toEqual({ raw_day: recent?.day, day: recent?.raw_day, week: check[0]?.raw, unpriced: "0" });
    expect(Number(recent?.day)).toBeGreaterThan(0);
    // Running it again changes nothing.
    const again = await repriceProject(testDb(), projectId, new Date(Date.now() - 7 * 86_400_000));
    expect(again.updated).toBe(0);
  });
});
