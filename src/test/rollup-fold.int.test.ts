// The rollups + unfolded tail equal a full scan of cost_events at every instant: mid-fold (the
// fold's transaction open), with several folders at once, and after a fold's backend is killed.
import { afterAll, expect, it } from "vitest";
import { aggregatesQuery, attributionQuery, attributionRowSchema, getSummary, groupSources, percentileFromBuckets } from "~/features/analytics/server";
import { queryRows } from "~/server/db/query";
import { ingestEvents } from "~/features/ingestion/server";
import { getPromptText } from "~/features/prompts/server";
import { createDbClient } from "~/server/db";
import { closeTestDb, describeWithDb, newProject, pgUrl, testDb } from "~/test/integration";
import { generateEvents } from "../../scripts/lib/generate";
import { FOLD_LOCK, foldAll, foldOnce } from "~/server/rollups/fold";
import { FOLD_SQL } from "~/server/rollups/fold-sql";

afterAll(closeTestDb);

// Sums of the rollup tables compared as text without trailing fraction zeros ("0.500" = "0.5").
const trim = (s: string | undefined) => (s?.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : (s ?? ""));

/** Every figure the read path gives for the project equals the same figure from raw rows. */
async function expectExact(projectId: string, label: string) {
  const { sql, db } = testDb();
  const ragged = { from: new Date(Date.now() - 2 * 86_400_000 - 1_234_567), to: new Date(Date.now() - 5 * 3_600_000 - 98_765) };
  // Edge hours mostly inside the window (read whole from the hourly rollups minus their folded
  // events outside it) and mostly outside (their raw events inside), at both ends.
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 30 * 3_600_000;
  const minute = 60_000;
  const mostlyIn = { from: new Date(hour + 5 * minute + 1), to: new Date(hour + 20 * 3_600_000 + 55 * minute) };
  const mostlyOut = { from: new Date(hour + 50 * minute), to: new Date(hour + 20 * 3_600_000 + 10 * minute - 1) };
  const windows: { from?: Date; to?: Date }[] = [{}, ragged, mostlyIn, mostlyOut, { from: mostlyIn.from }, { to: mostlyIn.to }];
  for (const w of windows) {
    const from = w.from?.toISOString() ?? "-infinity";
    const to = w.to?.toISOString() ?? "infinity";
    const summary = await getSummary(db, projectId, w);
    const [raw] = await sql<{ calls: number; cost: string; errors: number }[]>`
      SELECT count(*)::int AS calls, coalesce(sum(cost_usd), 0::numeric(30, 12))::text AS cost, count(*) FILTER (WHERE status = 'error')::int AS errors
      FROM cost_events WHERE project_id = ${projectId} AND ts >= ${from}::timestamptz AND ts < ${to}::timestamptz`;
    expect(summary.calls, `${label}: calls`).toBe(raw?.calls);
    expect(summary.errors, `${label}: errors`).toBe(raw?.errors);
    expect(summary.costUsd, `${label}: cost`).toBe(raw?.cost);
    const buckets = await sql<{ b: number; n: number }[]>`
      SELECT latency_bucket::int AS b, count(*)::int AS n FROM cost_events
      WHERE project_id = ${projectId} AND ts >= ${from}::timestamptz AND ts < ${to}::timestamptz AND latency_bucket IS NOT NULL GROUP BY 1`;
    expect(summary.p95LatencyMs, `${label}: p95`).toBe(percentileFromBuckets(new Map(buckets.map((r) => [r.b, r.n])), 95));
    const listed = (await db.execute(aggregatesQuery(projectId, "features", w, null, null))) as unknown as { feature: string; calls: string; cost: string }[];
    const rawByFeature = await sql<{ feature: string; calls: string; cost: string }[]>`
      SELECT feature, count(*)::text AS calls, coalesce(sum(cost_usd), 0::numeric(30, 12))::text AS cost FROM cost_events
      WHERE project_id = ${projectId} AND ts >= ${from}::timestamptz AND ts < ${to}::timestamptz GROUP BY 1 ORDER BY 1`;
    const got = listed.map((r) => [r.feature, r.calls, r.cost]).sort();
    expect(got, `${label}: features`).toEqual(rawByFeature.map((r) => [r.feature, r.calls, r.cost]).sort());
    const byUser = await queryRows(db, attributionRowSchema, attributionQuery(projectId, w, groupSources.user, { order: "cost", after: null, limit: 10_000 }));
    const rawByUser = await sql<{ key: string; calls: string; cost: string }[]>`
      SELECT coalesce(user_id, '') AS key, count(*)::text AS calls, coalesce(sum(cost_usd), 0::numeric(30, 12))::text AS cost FROM cost_events
      WHERE project_id = ${projectId} AND ts >= ${from}::timestamptz AND ts < ${to}::timestamptz GROUP BY 1`;
    expect(byUser.map((r) => [r.key, r.calls, r.cost]).sort(), `${label}: users`).toEqual(rawByUser.map((r) => [r.key, r.calls, r.cost]).sort());
  }
  const [prompt] = await sql<{ id: string; n: number }[]>`
    SELECT p.id::text AS id, (SELECT count(*)::int FROM cost_events e WHERE e.project_id = p.project_id AND e.prompt_hash = p.hash) AS n
    FROM prompts p WHERE p.project_id = ${projectId} ORDER BY p.id LIMIT 1`;
  if (prompt) expect((await getPromptText(db, projectId, prompt.id)).occurrences, `${label}: prompt occurrences`).toBe(prompt.n);
}

/** After everything is folded, the rollup tables alone equal raw: nothing counted twice or lost. */
async function expectRollupTablesExact(projectId: string) {
  const { sql } = testDb();
  await foldAll(sql);
  const [r] = await sql<{ raw: number; hourly: number; daily: number; lat: number; lat_raw: number; cost: string; hcost: string; occ: number; with_prompt: number }[]>`
    SELECT (SELECT count(*)::int FROM cost_events WHERE project_id = ${projectId}) AS raw,
      (SELECT coalesce(sum(calls), 0)::int FROM usage_hourly WHERE project_id = ${projectId}) AS hourly,
      (SELECT coalesce(sum(calls), 0)::int FROM usage_daily WHERE project_id = ${projectId}) AS daily,
      (SELECT coalesce(sum(u.n), 0)::int FROM latency_daily, unnest(counts) AS u(n) WHERE project_id = ${projectId} AND dim = 'all') AS lat,
      (SELECT count(latency_bucket)::int FROM cost_events WHERE project_id = ${projectId}) AS lat_raw,
      (SELECT coalesce(sum(cost_usd), 0)::text FROM cost_events WHERE project_id = ${projectId}) AS cost,
      (SELECT coalesce(sum(cost_usd), 0)::text FROM usage_hourly WHERE project_id = ${projectId}) AS hcost,
      (SELECT coalesce(sum(occurrences), 0)::int FROM prompts WHERE project_id = ${projectId}) AS occ,
      (SELECT count(*)::int FROM cost_events WHERE project_id = ${projectId} AND prompt_hash IS NOT NULL) AS with_prompt`;
  expect(r?.hourly).toBe(r?.raw);
  expect(r?.daily).toBe(r?.raw);
  expect(r?.lat).toBe(r?.lat_raw);
  expect(trim(r?.hcost)).toBe(trim(r?.cost));
  expect(r?.occ).toBe(r?.with_prompt);
  // The attribution rollups and the token mix, folded by the same statement.
  const [a] = await sql<{ raw: string; user_h: string; user_d: string; tag_d: string; tag_raw: string; mix: string; mix_cost: string; totals: string; with_user: string; recent_day: string; with_user_day: string; totals_diff: string; mix_diff: string }[]>`
    SELECT (SELECT count(*)::text FROM cost_events WHERE project_id = ${projectId}) AS raw,
      (SELECT coalesce(sum(calls), 0)::text FROM attribution_hourly WHERE project_id = ${projectId} AND dim = 'user') AS user_h,
      (SELECT coalesce(sum(calls), 0)::text FROM attribution_daily WHERE project_id = ${projectId} AND dim = 'user') AS user_d,
      (SELECT coalesce(sum(calls), 0)::text FROM attribution_daily WHERE project_id = ${projectId} AND dim = 'tag') AS tag_d,
      (SELECT count(*)::text FROM cost_events e CROSS JOIN LATERAL unnest(coalesce(nullif(e.tags, '{}'), ARRAY['']::text[])) t
        WHERE e.project_id = ${projectId}) AS tag_raw,
      (SELECT coalesce(sum(calls), 0)::text FROM token_mix_daily WHERE project_id = ${projectId}) AS mix,
      (SELECT coalesce(sum(cost_usd), 0)::text FROM token_mix_daily WHERE project_id = ${projectId}) AS mix_cost,
      (SELECT coalesce(sum(calls), 0)::text FROM user_totals WHERE project_id = ${projectId}) AS totals,
      (SELECT count(user_id)::text FROM cost_events WHERE project_id = ${projectId}) AS with_user,
      (SELECT coalesce(sum(calls), 0)::text FROM user_recent_totals WHERE project_id = ${projectId} AND span_days = 1) AS recent_day,
      (SELECT count(e.user_id)::text FROM cost_events e, user_recent_anchors r WHERE e.project_id = ${projectId} AND r.span_days = 1 AND e.ts >= r.anchor) AS with_user_day,
      (SELECT count(*)::text FROM (
        (SELECT user_id, count(*)::numeric, count(*) FILTER (WHERE status = 'error')::numeric, sum(input_tokens)::numeric,
           sum(output_tokens)::numeric, coalesce(sum(cost_usd), 0), count(latency_ms)::numeric, min(ts), max(ts)
         FROM cost_events WHERE project_id = ${projectId} AND user_id IS NOT NULL GROUP BY 1
         EXCEPT SELECT user_id, calls, errors, input_tokens, output_tokens, cost_usd, latency_count, first_seen, last_seen FROM user_totals WHERE project_id = ${projectId})
        UNION ALL
        (SELECT user_id, calls, errors, input_tokens, output_tokens, cost_usd, latency_count, first_seen, last_seen FROM user_totals WHERE project_id = ${projectId}
         EXCEPT SELECT user_id, count(*)::numeric, count(*) FILTER (WHERE status = 'error')::numeric, sum(input_tokens)::numeric,
           sum(output_tokens)::numeric, coalesce(sum(cost_usd), 0), count(latency_ms)::numeric, min(ts), max(ts)
         FROM cost_events WHERE project_id = ${projectId} AND user_id IS NOT NULL GROUP BY 1)) d) AS totals_diff,
      (SELECT count(*)::text FROM (
        (SELECT e.user_id, k.kind, k.value, count(*), coalesce(sum(e.cost_usd), 0) FROM cost_events e
           CROSS JOIN LATERAL (VALUES ('feature', e.feature), ('model', e.model)) k(kind, value)
         WHERE e.project_id = ${projectId} AND e.user_id IS NOT NULL GROUP BY 1, 2, 3
         EXCEPT SELECT user_id, kind, value, calls, cost_usd FROM user_mix_totals WHERE project_id = ${projectId})
        UNION ALL
        (SELECT user_id, kind, value, calls, cost_usd FROM user_mix_totals WHERE project_id = ${projectId}
         EXCEPT SELECT e.user_id, k.kind, k.value, count(*), coalesce(sum(e.cost_usd), 0) FROM cost_events e
           CROSS JOIN LATERAL (VALUES ('feature', e.feature), ('model', e.model)) k(kind, value)
         WHERE e.project_id = ${projectId} AND e.user_id IS NOT NULL GROUP BY 1, 2, 3)) d) AS mix_diff`;
  expect([a?.user_h, a?.user_d, a?.mix]).toEqual([a?.raw, a?.raw, a?.raw]);
  expect(a?.tag_d).toBe(a?.tag_raw);
  expect(trim(a?.mix_cost)).toBe(trim(r?.cost));
  expect(a?.totals).toBe(a?.with_user);
  expect(a?.recent_day).toBe(a?.with_user_day);
  // Every user's all-time figures and first/last seen, and their cost per feature and per model.
  expect([a?.totals_diff, a?.mix_diff]).toEqual(["0", "0"]);
}

async function ingest(projectId: string, n: number, seed: number) {
  const events = [...generateEvents(n, { seed, days: 3, idPrefix: `s${seed}-` })];
  for (let i = 0; i < events.length; i += 400) await ingestEvents(testDb(), projectId, events.slice(i, i + 400));
}

/**
 * A fold on its own backend, step by step: `begin` takes the fold lock (so the test app server's
 * folder skips its ticks meanwhile), `run` executes the fold statement without committing.
 * `end` commits or rolls back; a connection never goes back to the pool inside a transaction.
 */
/**
 * A fold held open in a transaction on a connection of its own. `own`: on a client of its own
 * (max 1), ended rather than returned to the shared pool when its backend is killed — postgres.js
 * can crash writing to a pooled connection whose socket the server just closed.
 */
async function manualFold(own = false) {
  const client = own ? createDbClient(pgUrl ?? "", { max: 1 }).sql : null;
  const reserved = await (client ?? testDb().sql).reserve();
  const [{ pid } = { pid: 0 }] = await reserved<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  await reserved`BEGIN`;
  let open = true;
  // Waits for a fold of another instance (the test app server folds too) to finish.
  await reserved`SELECT pg_advisory_xact_lock(${FOLD_LOCK})`;
  return {
    pid,
    reserved,
    run: async () => (await reserved.unsafe<{ events: number }[]>(FOLD_SQL, [1_000_000, null]))[0]?.events ?? 0,
    end: async (how: "COMMIT" | "ROLLBACK") => {
      if (open) await reserved.unsafe(how);
      open = false;
      if (!client) reserved.release();
      await client?.end({ timeout: 0 });
    },
    lost: async () => {
      open = false;
      if (client) await client.end({ timeout: 0 });
      else reserved.release();
    },
  };
}

describeWithDb("rollup fold", () => {
  it("stays exact before, during and after a fold, with events arriving while it is open", async () => {
    const { projectId } = await newProject("fold-mid");
    await ingest(projectId, 300, 1);
    await expectExact(projectId, "before");
    const fold = await manualFold();
    try {
      await ingest(projectId, 1200, 2);
      await expectExact(projectId, "unfolded");
      expect(await fold.run()).toBeGreaterThanOrEqual(1200);
      await expectExact(projectId, "mid-fold");
      await ingest(projectId, 500, 3); // not in the open fold's snapshot
      await expectExact(projectId, "mid-fold, more events");
      await fold.end("COMMIT");
    } finally {
      await fold.end("ROLLBACK");
    }
    await expectExact(projectId, "after commit");
    await expectRollupTablesExact(projectId);
    await expectExact(projectId, "all folded");
  });

  it("stays exact and counts each event once with two folders running at once", async () => {
    const { projectId } = await newProject("fold-two");
    if (!pgUrl) throw new Error("no database");
    const a = createDbClient(pgUrl, { max: 1 });
    const b = createDbClient(pgUrl, { max: 1 });
    let stop = false;
    const stats = { a: 0, b: 0, busy: 0 };
    const loop = async (c: typeof a, name: "a" | "b") => {
      while (!stop) {
        const r = await foldOnce(c.sql, 1000);
        stats[name] += r.events;
        if (r.busy) stats.busy += 1;
      }
    };
    const folders = [loop(a, "a"), loop(b, "b")];
    try {
      for (let i = 0; i < 6; i++) {
        await ingest(projectId, 300, 10 + i);
        await expectExact(projectId, `round ${i}`);
      }
    } finally {
      stop = true;
      await Promise.all(folders);
      await a.sql.end();
      await b.sql.end();
    }
    expect(stats.a + stats.b).toBeGreaterThan(0);
    await expectRollupTablesExact(projectId);
    await expectExact(projectId, "after both folders");
  });

  it("a fold killed mid-way (pg_terminate_backend) leaves nothing half-done; the next fold completes it", async () => {
    const { projectId } = await newProject("fold-crash");
    const fold = await manualFold(true);
    try {
      await ingest(projectId, 900, 30);
      expect(await fold.run()).toBeGreaterThanOrEqual(900);
      await expectExact(projectId, "mid-fold");
      await testDb().sql`SELECT pg_terminate_backend(${fold.pid}::int)`;
      // Gone from the server (its transaction rolled back). No query is sent on the killed
      // connection: postgres.js can crash writing to a socket the server just closed.
      let gone = false;
      for (let i = 0; i < 200 && !gone; i++) {
        const [row] = await testDb().sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ${fold.pid}::int`;
        gone = row?.n === 0;
        if (!gone) await new Promise((r) => setTimeout(r, 25));
      }
      expect(gone).toBe(true);
      await fold.lost();
    } finally {
      await fold.end("ROLLBACK").catch(() => undefined);
    }
    await expectExact(projectId, "after the kill");
    await expectRollupTablesExact(projectId);
    await expectExact(projectId, "folded again");
  });

  it("only one folder folds at a time; the others skip the tick", async () => {
    const fold = await manualFold();
    try {
      expect(await foldOnce(testDb().sql)).toEqual({ events: 0, busy: true, more: false });
    } finally {
      await fold.end("ROLLBACK");
    }
    await expect(foldAll(testDb().sql)).resolves.toBeGreaterThanOrEqual(0);
  });

  it("unfolded_events() runs without JIT (planned alone, its estimate crossed jit_above_cost at a few million events)", async () => {
    const [fn] = await testDb().sql<{ config: string[] | null }[]>`
      SELECT proconfig AS config FROM pg_proc WHERE oid = 'public.unfolded_events()'::regprocedure`;
    expect(fn?.config ?? []).toContain("jit=off");
  });
});
