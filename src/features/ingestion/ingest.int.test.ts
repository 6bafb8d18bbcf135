import { and, eq, sql } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { loadCatalog, toPrice, computeCostPicos } from "~/features/pricing";
import { formatPicos } from "~/lib/money";
import { costEvents, prompts, usageHourly } from "~/server/db/schema";
import { closeTestDb, describeWithDb, newProject, testDb } from "~/test/integration";
import { generateEvents } from "../../../scripts/lib/generate";
import { deleteProject } from "~/server/delete-project";
import { foldAll } from "~/server/rollups/fold";

/** The project's usage_hourly totals once every committed event is folded. */
async function foldedUsage(projectId: string) {
  await foldAll(testDb().sql);
  const [sums] = await testDb()
    .db.select({ calls: sql<string>`sum(${usageHourly.calls})::text`, unpriced: sql<string>`sum(${usageHourly.unpricedCalls})::text` })
    .from(usageHourly)
    .where(eq(usageHourly.projectId, projectId));
  return { calls: sums?.calls, unpriced: sums?.unpriced };
}
import { ingestEvents } from "./server/ingest";
import { INSERT_EVENTS } from "./server/insert-events";

afterAll(closeTestDb);

const base = { provider: "openai", model: "gpt-4o-mini", inputTokens: 1000, outputTokens: 200 };

function catalogPrice(provider: string, model: string) {
  const entry = loadCatalog()
    .filter((e) => e.provider === provider && e.model === model)
    .sort((a, b) => b.effectiveFrom.localeCompare(a.effectiveFrom))[0];
  if (!entry) throw new Error(`${model} missing from catalog`);
  return toPrice(entry);
}

async function eventsOf(projectId: string) {
  return testDb().db.select().from(costEvents).where(eq(costEvents.projectId, projectId)).orderBy(costEvents.id);
}

describeWithDb("ingestion service on PostgreSQL", () => {
  it("prices a call exactly from the catalog, cached tokens billed once", async () => {
    const { projectId } = await newProject();
    const usage = { inputTokens: 12_345, outputTokens: 678, cachedInputTokens: 2_000 };
    const r = await ingestEvents(testDb(), projectId, [{ ...base, ...usage, id: "a" }]);
    expect(r).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const [row] = await eventsOf(projectId);
    const expected = computeCostPicos(catalogPrice("openai", "gpt-4o-mini"), usage);
    expect(row?.costSource).toBe("computed");
    expect(row?.costUsd).toBe(formatPicos(expected));
    expect(row?.cachedInputTokens).toBe(2000);
  });

  it("resolves a dated snapshot to its base price", async () => {
    const { projectId } = await newProject();
    await ingestEvents(testDb(), projectId, [{ ...base, model: "gpt-4o-2024-08-06" }]);
    const [row] = await eventsOf(projectId);
    const expected = computeCostPicos(catalogPrice("openai", "gpt-4o"), base);
    expect(row?.costUsd).toBe(formatPicos(expected));
  });

  it("keeps a reported cost exactly and flags unknown models as unpriced, never $0", async () => {
    const { projectId } = await newProject();
    await ingestEvents(testDb(), projectId, [
      { ...base, id: "r", costUsd: "0.000123456789" },
      { ...base, id: "u", provider: "acme", model: "secret-model-9000" },
    ]);
    const rows = await eventsOf(projectId);
    const byId = new Map(rows.map((r) => [r.eventId, r]));
    expect(byId.get("r")?.costSource).toBe("reported");
    expect(byId.get("r")?.costUsd).toBe("0.000123456789");
    expect(byId.get("u")?.costSource).toBe("unpriced");
    expect(byId.get("u")?.costUsd).toBeNull();
    expect((await foldedUsage(projectId)).unpriced).toBe("1");
  });

  it("stores a repeated id once, within a batch and across batches", async () => {
    const { projectId } = await newProject();
    const first = await ingestEvents(testDb(), projectId, [{ ...base, id: "x" }, { ...base, id: "x" }, { ...base, id: "y" }]);
    expect(first).toEqual({ accepted: 2, duplicates: 1, rejected: [] });
    const again = await ingestEvents(testDb(), projectId, [{ ...base, id: "y" }, { ...base, id: "z" }]);
    expect(again).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect(await eventsOf(projectId)).toHaveLength(3);
    expect((await foldedUsage(projectId)).calls).toBe("3");
  });

  it("stores the valid part of a mixed batch and reports the rest by index and field", async () => {
    const { projectId } = await newProject();
    const r = await ingestEvents(testDb(), projectId, [
      { ...base, id: "ok" },
      { ...base, id: "bad", inputTokens: -1 },
      { ...base, id: "bad2", cachedInputTokens: 5000 },
    ]);
    expect(r.accepted).toBe(1);
    expect(r.rejected.map((x) => x.index)).toEqual([1, 2]);
    expect(r.rejected[0]?.issues[0]?.path).toBe("inputTokens");
    expect(r.rejected[1]?.issues[0]?.path).toBe("cachedInputTokens");
    expect((await eventsOf(projectId)).map((e) => e.eventId)).toEqual(["ok"]);
  });

  it("dedupes prompts by normalized text and keeps their calls and cost", async () => {
    const { projectId } = await newProject();
    await ingestEvents(testDb(), projectId, [
      { ...base, prompt: "Summarize  this\nticket" },
      { ...base, prompt: "Summarize this ticket " },
      { ...base, prompt: "Something else" },
    ]);
    await foldAll(testDb().sql);
    const rows = await testDb().db.select().from(prompts).where(eq(prompts.projectId, projectId));
    expect(rows).toHaveLength(2);
    const summarize = rows.find((p) => p.text.startsWith("Summarize"));
    expect(summarize?.occurrences).toBe(2n);
    const one = computeCostPicos(catalogPrice("openai", "gpt-4o-mini"), base);
    expect(summarize?.totalCostUsd).toBe(formatPicos(one * 2n));
  });

  // On a Citus cluster ingestion runs the routed statements instead (insert-events.ts), whose
  // prompt read is an IN list of the batch's hashes.
  it.skipIf(process.env.TEST_CITUS === "1")("reads only the batch's own prompts, never every prompt of the project (plain PostgreSQL)", async () => {
    const { projectId } = await newProject();
    await testDb().sql`INSERT INTO prompts (project_id, hash, text, truncated, original_length, first_seen, last_seen, occurrences, total_cost_usd)
      SELECT ${projectId}::uuid, sha256(i::text::bytea), 'p' || i, false, 2, now(), now(), 1, 0 FROM generate_series(1, 3000) i`;
    const event = { event_id: "e1", ts: new Date().toISOString(), provider: "openai", model: "gpt-4o", feature: "", input_tokens: 1, output_tokens: 1,
      prompt_hash: "ab".repeat(32), cost_source: "unpriced", status: "success" };
    const prompt = { hash: "ab".repeat(32), text: "hi", truncated: false, length: 2 };
    // Planned as a fresh connection plans it (no statistics on the new rows) and as a prepared statement reuses it.
    for (const mode of ["force_custom_plan", "force_generic_plan"]) {
      const plan = await testDb().sql.begin(async (tx) => {
        await tx.unsafe(`SET LOCAL plan_cache_mode = ${mode}`);
        const [row] = await tx.unsafe<{ "QUERY PLAN": unknown }[]>(`EXPLAIN (FORMAT JSON) ${INSERT_EVENTS}`,
          [projectId, JSON.stringify([event]), JSON.stringify([prompt]), null]);
        return row?.["QUERY PLAN"];
      });
      const reads: string[] = [];
      const walk = (node: Record<string, unknown>) => {
        if (node["Relation Name"] === "prompts" && node["Node Type"] !== "ModifyTable") {
          reads.push(JSON.stringify([node["Node Type"], node["Index Cond"]]));
        }
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
      };
      const root = (plan as { Plan: Record<string, unknown> }[])[0];
      if (root) walk(root.Plan);
      expect(reads.length).toBeGreaterThan(0);
      for (const r of reads) expect(r).toMatch(/^\["Index (Only )?Scan",".*hash = /);
    }
  });

  it("stores a 1 MB prompt truncated and flagged instead of rejecting it", async () => {
    const { projectId } = await newProject();
    const huge = "lorem ipsum ".repeat(90_000);
    const r = await ingestEvents(testDb(), projectId, [{ ...base, prompt: huge }]);
    expect(r.accepted).toBe(1);
    const [p] = await testDb().db.select().from(prompts).where(eq(prompts.projectId, projectId));
    expect(p?.truncated).toBe(true);
    expect(p?.originalLength).toBe(huge.length);
    expect(p?.text.length).toBeLessThan(huge.length);
  });

  it("keeps the hourly rollups equal to a full scan of cost_events, to the picodollar", async () => {
    const { projectId } = await newProject();
    const events = [...generateEvents(3000, { seed: 99, days: 3, idPrefix: "roll" })];
    for (let i = 0; i < events.length; i += 700) {
      await ingestEvents(testDb(), projectId, events.slice(i, i + 700));
    }
    // Re-sending a slice must change nothing (duplicates do not feed the rollups).
    await ingestEvents(testDb(), projectId, events.slice(0, 500));
    const { sql: pg } = testDb();
    await foldAll(pg);
    const diff = await pg`
      WITH raw AS (
        SELECT date_trunc('hour', ts, 'UTC') AS hour, feature, model, provider, count(*) AS calls,
          count(*) FILTER (WHERE status = 'error') AS errors, count(*) FILTER (WHERE cost_source = 'unpriced') AS unpriced,
          sum(input_tokens) AS input, sum(output_tokens) AS output, sum(cached_input_tokens) AS cached,
          coalesce(sum(cost_usd), 0) AS cost, count(latency_ms) AS lat_n, coalesce(sum(latency_ms), 0) AS lat_sum
        FROM cost_events WHERE project_id = ${projectId} GROUP BY 1, 2, 3, 4),
      roll AS (
        SELECT hour, feature, model, provider, calls, errors, unpriced_calls AS unpriced, input_tokens AS input,
          output_tokens AS output, cached_input_tokens AS cached, cost_usd AS cost, latency_count AS lat_n, latency_sum_ms AS lat_sum
        FROM usage_hourly WHERE project_id = ${projectId})
      SELECT count(*)::int AS n FROM ((SELECT * FROM raw EXCEPT SELECT * FROM roll) UNION ALL (SELECT * FROM roll EXCEPT SELECT * FROM raw)) d`;
    expect(diff[0]?.n).toBe(0);
    const dailyDiff = await pg`
      WITH raw AS (
        SELECT date_trunc('day', ts, 'UTC') AS day, feature, model, provider, count(*) AS calls,
          count(*) FILTER (WHERE status = 'error') AS errors, coalesce(sum(cost_usd), 0) AS cost,
          sum(output_tokens) AS output, count(latency_ms) AS lat_n
        FROM cost_events WHERE project_id = ${projectId} GROUP BY 1, 2, 3, 4),
      roll AS (
        SELECT day, feature, model, provider, calls, errors, cost_usd AS cost, output_tokens AS output, latency_count AS lat_n
        FROM usage_daily WHERE project_id = ${projectId})
      SELECT count(*)::int AS n FROM ((SELECT * FROM raw EXCEPT SELECT * FROM roll) UNION ALL (SELECT * FROM roll EXCEPT SELECT * FROM raw)) d`;
    expect(dailyDiff[0]?.n).toBe(0);
    const dailyHist = await pg`
      SELECT (SELECT sum(u.n) FROM latency_daily, unnest(counts) AS u(n) WHERE project_id = ${projectId})::int AS d,
             (SELECT sum(calls) FROM latency_hourly WHERE project_id = ${projectId})::int AS h`; // all three dims
    expect(dailyHist[0]?.d).toBe(dailyHist[0]?.h);
    const [{ raw, roll } = { raw: "", roll: "x" }] = await pg<{ raw: string; roll: string }[]>`
      SELECT (SELECT sum(cost_usd)::text FROM cost_events WHERE project_id = ${projectId}) AS raw,
             (SELECT sum(cost_usd)::text FROM usage_hourly WHERE project_id = ${projectId}) AS roll`;
    expect(roll).toBe(raw);
    const hist = await pg`
      SELECT (SELECT sum(calls) FROM latency_hourly WHERE project_id = ${projectId} AND dim = 'all')::int AS h,
             (SELECT count(latency_ms) FROM cost_events WHERE project_id = ${projectId})::int AS e`;
    expect(hist[0]?.h).toBe(hist[0]?.e);
    // Every per-dimension histogram equals the raw bucket counts for its key.
    const histDiff = await pg`
      WITH raw AS (
        SELECT date_trunc('day', ts, 'UTC') AS day, 'feature' AS dim, feature AS key1, '' AS key2, latency_bucket AS bucket, count(*) AS n
          FROM cost_events WHERE project_id = ${projectId} AND latency_bucket IS NOT NULL GROUP BY 1, 3, 5
        UNION ALL
        SELECT date_trunc('day', ts, 'UTC'), 'model', provider, model, latency_bucket, count(*)
          FROM cost_events WHERE project_id = ${projectId} AND latency_bucket IS NOT NULL GROUP BY 1, 3, 4, 5
        UNION ALL
        SELECT date_trunc('day', ts, 'UTC'), 'all', '', '', latency_bucket, count(*)
          FROM cost_events WHERE project_id = ${projectId} AND latency_bucket IS NOT NULL GROUP BY 1, 5),
      roll AS (SELECT day, dim, key1, key2, u.bucket, u.n FROM latency_daily, unnest(buckets, counts) AS u(bucket, n) WHERE project_id = ${projectId})
      SELECT count(*)::int AS n FROM ((SELECT * FROM raw EXCEPT SELECT * FROM roll) UNION ALL (SELECT * FROM roll EXCEPT SELECT * FROM raw)) d`;
    expect(histDiff[0]?.n).toBe(0);
    // A daily row packs each bucket once, ascending, with as many counts.
    const unpacked = await pg`
      SELECT count(*)::int AS n FROM latency_daily WHERE project_id = ${projectId}
        AND (buckets <> ARRAY(SELECT DISTINCT b FROM unnest(buckets) b ORDER BY b) OR cardinality(buckets) <> cardinality(counts))`;
    expect(unpacked[0]?.n).toBe(0);
    const promptTotals = await pg`
      SELECT (SELECT sum(occurrences) FROM prompts WHERE project_id = ${projectId})::int AS p,
             (SELECT count(*) FROM cost_events WHERE project_id = ${projectId} AND prompt_hash IS NOT NULL)::int AS e`;
    expect(promptTotals[0]?.p).toBe(promptTotals[0]?.e);
    const counted = await testDb()
      .db.select({ n: sql<number>`count(*)::int` })
      .from(costEvents)
      .where(and(eq(costEvents.projectId, projectId)));
    expect(counted[0]?.n).toBe(3000);
  });
});

describeWithDb("deleteProject", () => {
  it("removes the project's events, rollups and prompts and nothing else", async () => {
    const a = await newProject("del-a");
    const b = await newProject("del-b");
    const events = [...generateEvents(200, { seed: 4, days: 1, idPrefix: "d" })];
    await ingestEvents(testDb(), a.projectId, events);
    await ingestEvents(testDb(), b.projectId, events);
    await foldAll(testDb().sql);
    await deleteProject(testDb().db, a.projectId);
    const { sql: pg } = testDb();
    for (const table of ["cost_events", "usage_hourly", "usage_daily", "latency_hourly", "latency_daily", "prompts", "api_keys"]) {
      const [gone] = await pg.unsafe(`SELECT count(*)::int AS n FROM ${table} WHERE project_id = $1`, [a.projectId]);
      expect(gone?.n, table).toBe(0);
      const [kept] = await pg.unsafe(`SELECT count(*)::int AS n FROM ${table} WHERE project_id = $1`, [b.projectId]);
      expect(kept?.n, table).toBeGreaterThan(0);
    }
  });
});
