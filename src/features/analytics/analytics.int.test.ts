import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ingestEvents } from "~/features/ingestion/server";
import { createCaller } from "~/trpc/root";
import { createContext } from "~/server/api/trpc";
import { closeTestDb, describeWithDb, newProject, pgUrl, testDb } from "~/test/integration";
import { generateEvents } from "../../../scripts/lib/generate";
import { foldAll } from "~/server/rollups/fold";

afterAll(closeTestDb);

function callerFor(key: string) {
  return createCaller(createContext({ headers: new Headers({ authorization: `Bearer ${key}` }), client: testDb() }));
}

async function expectBadCursor(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCError);
  expect((err as TRPCError).code).toBe("BAD_REQUEST");
  expect((err as TRPCError).message).toMatch(/cursor/);
}

type Caller = ReturnType<typeof callerFor>;
let projectId = "";
let caller: Caller;
const N = 2500;

beforeAll(async () => {
  if (!pgUrl) return; // no database: describeWithDb below says why and skips
  const p = await newProject("analytics");
  projectId = p.projectId;
  caller = callerFor(p.key);
  const events = [...generateEvents(N, { seed: 5, days: 4, idPrefix: "an" })];
  for (let i = 0; i < events.length; i += 1000) await ingestEvents(testDb(), projectId, events.slice(i, i + 1000));
}, 60_000);

describeWithDb("analytics procedures (createCaller, real PostgreSQL)", () => {
  it("pages events newest first with keyset cursors, no repeats, no skips, null at the end", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let last = Infinity;
    do {
      const page: Awaited<ReturnType<Caller["events"]["list"]>> = await caller.events.list({ limit: 333, cursor });
      for (const e of page.items) {
        const t = Date.parse(e.timestamp);
        expect(t).toBeLessThanOrEqual(last);
        last = t;
        seen.push(e.eventId);
      }
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(N);
    expect(new Set(seen).size).toBe(N);
  });

  it("filters events by feature, model, provider, user and status", async () => {
    const { sql } = testDb();
    const feature = await caller.events.list({ feature: "doc-qa", limit: 500 });
    expect(feature.items.length).toBeGreaterThan(0);
    expect(feature.items.every((e) => e.feature === "doc-qa")).toBe(true);
    const errors = await caller.events.list({ status: "error", limit: 500 });
    const [count] = await sql`SELECT count(*)::int AS n FROM cost_events WHERE project_id = ${projectId} AND status = 'error'`;
    expect(errors.items).toHaveLength(count?.n as number);
    const user = await caller.events.list({ userId: "user-1", provider: "openai", limit: 500 });
    expect(user.items.every((e) => e.userId === "user-1" && e.provider === "openai")).toBe(true);
  });

  it("rejects malformed, tampered and foreign cursors as BAD_REQUEST naming the cursor", async () => {
    const first = await caller.events.list({ limit: 5 });
    const cursor = first.nextCursor ?? "";
    expect(cursor).not.toBe("");
    await expectBadCursor(caller.events.list({ cursor: "garbage" }));
    await expectBadCursor(caller.events.list({ cursor: cursor.slice(0, -3) }));
    const [payload = "", sig = ""] = cursor.split(".");
    const forged = Buffer.from(JSON.stringify({ v: 1, s: "x", k: ["2020-01-01T00:00:00.000000Z", "1"] })).toString("base64url");
    await expectBadCursor(caller.events.list({ cursor: `${forged}.${sig}` }));
    await expectBadCursor(caller.events.list({ cursor: `${payload}x.${sig}` }));
    await expectBadCursor(caller.events.list({ cursor, feature: "doc-qa" })); // other filters
    await expectBadCursor(caller.features.list({ cursor })); // other list
    const other = await newProject("other");
    await expectBadCursor(callerFor(other.key).events.list({ cursor })); // other project
  });

  it("never shows another project's rows", async () => {
    const other = await newProject("iso");
    await ingestEvents(testDb(), other.projectId, [{ provider: "openai", model: "gpt-4o", inputTokens: 1, outputTokens: 1, feature: "secret" }]);
    const mine = await caller.features.list({ limit: 500 });
    expect(mine.items.some((f) => f.feature === "secret")).toBe(false);
    const theirs = await callerFor(other.key).events.list({});
    expect(theirs.items).toHaveLength(1);
  });

  it("rollup-backed figures equal a full scan of cost_events, to the picodollar, for aligned and ragged windows", async () => {
    const { sql } = testDb();
    const now = Date.now();
    const windows = [
      {},
      { from: new Date(now - 2 * 86_400_000 - 1_234_567), to: new Date(now - 3_600_000 * 5 - 98_765) },
      { from: new Date(Math.floor(now / 3_600_000) * 3_600_000 - 36 * 3_600_000) },
      { from: new Date(now - 86_400_000), model: "gpt-4o-mini" },
      // Edge hours mostly inside the window (whole hour minus its folded events outside) and mostly outside.
      { from: new Date(Math.floor(now / 3_600_000) * 3_600_000 - 40 * 3_600_000 + 4 * 60_000), to: new Date(Math.floor(now / 3_600_000) * 3_600_000 - 3_600_000 + 57 * 60_000) },
      { from: new Date(Math.floor(now / 3_600_000) * 3_600_000 - 40 * 3_600_000 + 57 * 60_000), to: new Date(Math.floor(now / 3_600_000) * 3_600_000 - 3_600_000 + 4 * 60_000) },
      { from: new Date(Math.floor(now / 3_600_000) * 3_600_000 - 40 * 3_600_000 + 4 * 60_000), model: "gpt-4o-mini" },
    ];
    for (const w of windows) {
      const from: Date = "from" in w && w.from ? w.from : new Date(0);
      const to: Date = "to" in w && w.to ? w.to : new Date(now + 86_400_000);
      const model: string | null = "model" in w && w.model ? w.model : null;
      const fromIso = from.toISOString();
      const toIso = to.toISOString();
      const raw = await sql<{ feature: string; calls: number; cost: string; input: string }[]>`
        SELECT feature, count(*)::int AS calls, coalesce(sum(cost_usd), 0)::text AS cost, sum(input_tokens)::text AS input
        FROM cost_events WHERE project_id = ${projectId} AND ts >= ${fromIso}::timestamptz AND ts < ${toIso}::timestamptz
          AND (${model}::text IS NULL OR model = ${model})
        GROUP BY feature`;
      const listed = await caller.features.list({ ...w, limit: 500 });
      const byFeature = new Map(listed.items.map((i) => [i.feature ?? "", i]));
      expect(listed.items).toHaveLength(raw.length);
      for (const r of raw) {
        const item = byFeature.get(r.feature);
        expect(item?.calls).toBe(r.calls);
        expect(item?.costUsd.replace(/0+$/, "")).toBe(r.cost.replace(/0+$/, ""));
        expect(String(item?.inputTokens)).toBe(r.input);
      }
      const summary = await caller.stats.summary(w);
      const [total] = await sql<{ cost: string; calls: number }[]>`
        SELECT coalesce(sum(cost_usd), 0)::text AS cost, count(*)::int AS calls FROM cost_events
        WHERE project_id = ${projectId} AND ts >= ${fromIso}::timestamptz AND ts < ${toIso}::timestamptz AND (${model}::text IS NULL OR model = ${model})`;
      expect(summary.calls).toBe(total?.calls);
      expect(summary.costUsd.replace(/0+$/, "")).toBe(total?.cost.replace(/0+$/, ""));
    }
  });

  it("leaves out a group whose calls in an edge hour all lie outside the window (read as the whole hour minus them)", async () => {
    const p = await newProject("analytics-edge-hour");
    const edgeCaller = callerFor(p.key);
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 10 * 3_600_000;
    const call = (id: string, feature: string, minute: number) => ({
      id, timestamp: new Date(hour + minute * 60_000).toISOString(), provider: "openai", model: "gpt-4o-mini",
      inputTokens: 100, outputTokens: 10, costUsd: "0.25", latencyMs: 300 + minute, feature,
    });
    // "before" has calls only in the first minutes of the edge hours, before `from` and after `to`.
    const events = [call("e1", "before", 1), call("e2", "before", 2), call("e3", "inside", 30), call("e4", "inside", 125), call("e5", "before", 175)];
    expect((await ingestEvents(testDb(), p.projectId, events)).accepted).toBe(5);
    await foldAll(testDb().sql);
    const w = { from: new Date(hour + 5 * 60_000), to: new Date(hour + 170 * 60_000) };
    for (const limit of [1, 50]) {
      const listed = await edgeCaller.features.list({ ...w, limit });
      expect(listed.items.map((i) => [i.feature, i.calls, i.costUsd])).toEqual([["inside", 2, "0.500000000000"]]);
      expect(listed.nextCursor).toBeNull();
    }
    const series = await edgeCaller.stats.timeseries({ ...w, bucket: "hour", groupBy: "feature" });
    expect(series.items.map((i) => [i.group, i.calls])).toEqual([["inside", 1], ["inside", 1]]);
    expect((await edgeCaller.stats.summary(w)).calls).toBe(2);
  });

  it("p95 from the histograms equals the raw percentile bucket, with and without cross filters", async () => {
    const { sql } = testDb();
    const from = new Date(Date.now() - 3 * 86_400_000 - 777_000);
    const raw = await sql<{ feature: string; b: number }[]>`
      SELECT feature, percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_bucket)::int AS b
      FROM cost_events WHERE project_id = ${projectId} AND ts >= ${from.toISOString()}::timestamptz
        AND latency_bucket IS NOT NULL GROUP BY feature`;
    const rawModel = await sql<{ feature: string; b: number }[]>`
      SELECT feature, percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_bucket)::int AS b
      FROM cost_events WHERE project_id = ${projectId} AND ts >= ${from.toISOString()}::timestamptz
        AND model = 'gpt-4o-mini' AND latency_bucket IS NOT NULL GROUP BY feature`;
    const upper = (b: number) => (b <= 0 ? 0 : Math.round(2 ** ((b - 1) / 8)));
    const listed = await caller.features.list({ from, limit: 500 });
    for (const r of raw) expect(listed.items.find((i) => (i.feature ?? "") === r.feature)?.p95LatencyMs).toBe(upper(r.b));
    const crossed = await caller.features.list({ from, model: "gpt-4o-mini", limit: 500 });
    for (const r of rawModel) expect(crossed.items.find((i) => (i.feature ?? "") === r.feature)?.p95LatencyMs).toBe(upper(r.b));
    const rawByModel = await sql<{ provider: string; model: string; b: number }[]>`
      SELECT provider, model, percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_bucket)::int AS b
      FROM cost_events WHERE project_id = ${projectId} AND ts >= ${from.toISOString()}::timestamptz
        AND latency_bucket IS NOT NULL GROUP BY 1, 2`;
    expect(rawByModel.length).toBeGreaterThan(2);
    // A first page after one that held every group reads every group's histogram beside the page
    // (limit 2 after 500); after one that did not (2 after 2), only the page's groups, after it.
    for (const limit of [500, 2, 2, 500]) {
      const models = await caller.models.list({ from, limit });
      expect(models.items).toHaveLength(Math.min(limit, rawByModel.length));
      for (const m of models.items) {
        const r = rawByModel.find((x) => x.provider === m.provider && x.model === m.model);
        expect(m.p95LatencyMs, `limit ${limit}: ${m.provider}/${m.model}`).toBe(r ? upper(r.b) : null);
      }
    }
  });

  it("models.list pages by cost desc with a stable cursor and matches the summary", async () => {
    const all: { model?: string; costUsd: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<Caller["models"]["list"]>> = await caller.models.list({ limit: 3, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const costs = all.map((m) => Number(m.costUsd));
    expect([...costs].sort((a, b) => b - a)).toEqual(costs);
    const summary = await caller.stats.summary({});
    const picos = all.reduce((s, m) => s + BigInt(m.costUsd.replace(".", "")), 0n);
    expect(picos).toBe(BigInt(summary.costUsd.replace(".", "")));
    expect(summary.p95LatencyMs).toBeGreaterThan(0);
  });

  it("timeseries buckets add up to the summary, grouped or not, across pages", async () => {
    const summary = await caller.stats.summary({});
    for (const groupBy of [undefined, "feature", "model"] as const) {
      let calls = 0;
      let picos = 0n;
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<Caller["stats"]["timeseries"]>> = await caller.stats.timeseries({ bucket: "hour", groupBy, limit: 97, cursor });
        for (const p of page.items) {
          calls += p.calls;
          picos += BigInt(p.costUsd.replace(".", ""));
        }
        cursor = page.nextCursor;
      } while (cursor);
      expect(calls).toBe(summary.calls);
      expect(picos).toBe(BigInt(summary.costUsd.replace(".", "")));
    }
  });

  it("lists prompts by cost with free-text search", async () => {
    const page = await caller.prompts.list({ limit: 50 });
    expect(page.items.length).toBeGreaterThan(3);
    const searched = await caller.prompts.list({ search: "SQL", limit: 50 });
    expect(searched.items.length).toBeGreaterThan(0);
    expect(searched.items.every((p) => /sql/i.test(p.preview))).toBe(true);
    const none = await caller.prompts.list({ search: "%_no such thing_%" });
    expect(none.items).toHaveLength(0);
  });

  it("paging stays stable while new events arrive", async () => {
    const p = await newProject("stable");
    const c = callerFor(p.key);
    const initial = [...generateEvents(1200, { seed: 8, days: 1, idPrefix: "s0" })];
    await ingestEvents(testDb(), p.projectId, initial.slice(0, 1000));
    await ingestEvents(testDb(), p.projectId, initial.slice(1000));
    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const page: Awaited<ReturnType<Caller["events"]["list"]>> = await c.events.list({ limit: 100, cursor });
      seen.push(...page.items.map((e) => e.eventId));
      cursor = page.nextCursor;
      // Meanwhile, new calls keep arriving (some backfilled into the window being paged).
      const more = [...generateEvents(50, { seed: 100 + round, days: 1, idPrefix: `s${++round}` })];
      await ingestEvents(testDb(), p.projectId, more);
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const seenSet = new Set(seen);
    expect(initial.every((e) => seenSet.has(e.id))).toBe(true);
  });

  it("validates inputs with a BAD_REQUEST naming the field", async () => {
    await expect(caller.events.list({ limit: 501 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.events.list({ from: new Date(2), to: new Date(1) })).rejects.toThrow(/to must be after from/);
  });
});
