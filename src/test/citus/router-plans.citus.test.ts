// On the Citus cluster target only (scripts/test.ts adds *.citus.test.ts to the integration tier
// when TEST_CITUS=1): a project's list, aggregate and similarity statements are single-shard
// router queries — EXPLAIN shows one Citus task, on one worker, with no distributed subplans.
import { sql } from "drizzle-orm";
import { afterAll, expect, inject, it } from "vitest";
import { aggregatesQuery, rawConditions } from "~/features/analytics/server";
import { ingestEvents, routedEventsInsert, type EventRow } from "~/features/ingestion/server";
import { claimStatement, markDoneStatement, markFailedStatement } from "~/features/prompts/server";
import { closeTestDb, describeWithDb, newProject, testDb } from "~/test/integration";

afterAll(closeTestDb);

const citus = inject("citus");

async function plan(statement: ReturnType<typeof sql>): Promise<string> {
  const rows = (await testDb().db.execute(sql`EXPLAIN ${statement}`)) as unknown as { "QUERY PLAN": string }[];
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

function expectRouter(text: string, label: string, o: { subplans?: boolean } = {}) {
  expect(text, `${label}: a Citus plan`).toContain("Custom Scan (Citus Adaptive)");
  const counts = [...text.matchAll(/Task Count: (\d+)/g)].map((m) => Number(m[1]));
  expect(counts, `${label}: one task per Citus scan\n${text}`).toEqual(counts.map(() => 1));
  expect(counts.length, label).toBeGreaterThan(0);
  if (!o.subplans) expect(text, `${label}: no subplans\n${text}`).not.toMatch(/Distributed Subplan/);
}

describeWithDb("router plans on the Citus cluster", () => {
  it("runs against a Citus coordinator", () => {
    expect(citus?.workers.length ?? 0).toBeGreaterThanOrEqual(2);
  });

  it("the events list is a single-shard router query", async () => {
    const { projectId } = await newProject("router");
    const where = rawConditions(projectId, {}, { from: null, to: null });
    expectRouter(
      await plan(sql`SELECT e.id, e.event_id, e.ts, p.id AS prompt_id FROM cost_events e
        LEFT JOIN prompts p ON p.project_id = e.project_id AND p.hash = e.prompt_hash
        WHERE ${where} ORDER BY e.ts DESC, e.id DESC LIMIT 51`),
      "events list",
    );
  });

  it("an aggregate (by feature, rollups + unfolded tail) is a single-shard router query", async () => {
    const { projectId } = await newProject("router");
    expectRouter(await plan(aggregatesQuery(projectId, "features", {}, null, 50)), "features aggregate");
  });

  it("ingestion's events insert is a single-shard router query, and the routed path stores a batch exactly once", async () => {
    const { projectId } = await newProject("router");
    const row = (i: number): EventRow => ({
      event_id: `router-${i}`, ts: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(), provider: "openai", model: "gpt-4o-mini",
      feature: "router", user_id: `u${i % 3}`, session_id: null, tags: i % 2 ? ["a", "b"] : null, input_tokens: 10 + i,
      output_tokens: 5, cached_input_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, cost_usd: "0.000123",
      cost_source: "computed", latency_ms: 100, latency_bucket: 7, status: "success", error_message: null,
      prompt_hash: "ab".repeat(32), metadata: { plan: "pro" }, service_tier: "standard",
    });
    const statement = routedEventsInsert(projectId, [row(1), row(2), row(3)]);
    const rows = await testDb().sql.unsafe(`EXPLAIN ${statement.text}`, statement.values);
    expectRouter(rows.map((r) => String(r["QUERY PLAN"])).join("\n"), "events insert");

    const batch = Array.from({ length: 40 }, (_, i) => ({
      id: `routed-${i}`, provider: "openai", model: "gpt-4o-mini", feature: "routed", inputTokens: 100, outputTokens: 10,
      prompt: i % 4 === 0 ? "the same prompt" : `prompt ${i}`, userId: `u${i % 5}`, tags: ["t"],
    }));
    expect((await ingestEvents(testDb(), projectId, batch)).accepted).toBe(40);
    expect((await ingestEvents(testDb(), projectId, batch)).accepted).toBe(0);
    const [stored] = await testDb().sql`SELECT count(*)::int AS n, count(DISTINCT prompt_hash)::int AS prompts,
      (SELECT count(*)::int FROM prompts WHERE project_id = ${projectId}) AS prompt_rows
      FROM cost_events WHERE project_id = ${projectId} AND feature = 'routed'`;
    expect(stored).toEqual({ n: 40, prompts: 31, prompt_rows: 31 });
  });

  it("the similarity search is a single-shard router query", async () => {
    const { projectId } = await newProject("router");
    const q = `[${Array.from({ length: 512 }, (_, i) => (i === 0 ? 1 : 0)).join(",")}]`;
    expectRouter(
      await plan(sql`SELECT e.prompt_id, e.embedding <=> ${q}::vector AS d FROM prompt_embeddings e
        WHERE e.project_id = ${projectId} AND e.model = 'local' ORDER BY e.embedding <=> ${q}::vector LIMIT 20`),
      "similarity",
    );
  });

  it("the embedding worker's claim, done and retry statements each run on the project's shard alone", async () => {
    // Run on every shard, concurrent workers' claims deadlocked and could claim nothing while
    // prompts were due (a drain then stopped early).
    const { projectId } = await newProject("router");
    const { sql: db } = testDb();
    const explain = async (statement: PromiseLike<unknown>) =>
      (await db<{ "QUERY PLAN": string }[]>`EXPLAIN ${statement as ReturnType<typeof db>}`).map((r) => r["QUERY PLAN"]).join("\n");
    const claimed = [1, 2].map((i) => ({ projectId, id: String(i), text: "t", attempts: 1, hasVector: false, delaySeconds: 30 }));
    expectRouter(await explain(claimStatement(db, { limit: 16, leaseSeconds: 60, model: "local", projectId })), "claim");
    expectRouter(await explain(markDoneStatement(db, "local", claimed)), "done");
    // Its subplan is the JSON list, read on the coordinator; the UPDATE itself is one task.
    expectRouter(await explain(markFailedStatement(db, claimed)), "retry later", { subplans: true });
  });
});
