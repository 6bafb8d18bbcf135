import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { attributionQuery, attributionRowSchema, groupSources, promoteMetadataKey, toBreakdownItem, topUsersByCost, userItems } from "~/features/analytics/server";
import { queryRows } from "~/server/db/query";
import { ingestEvents } from "~/features/ingestion/server";
import { foldAll } from "~/server/rollups/fold";
import { createContext } from "~/server/api/trpc";
import { createCaller } from "~/trpc/root";
import { closeTestDb, describeWithDb, newProject, testDb, pageAll } from "~/test/integration";
import { generateEvents } from "../../../scripts/lib/generate";

afterAll(closeTestDb);

const callerFor = (key: string) => createCaller(createContext({ headers: new Headers({ authorization: `Bearer ${key}` }), client: testDb() }));
type Caller = ReturnType<typeof callerFor>;

let projectId = "";
let caller: Caller;
let other: Caller;
const N = 3000;
const END = Date.UTC(2026, 10, 20, 12, 0, 0);
// Mid-hour edges: whole days from the daily rollups, whole hours, and raw minutes at both ends.
const WINDOW = { from: new Date(END - 3.5 * 86_400_000 + 17 * 60_000).toISOString(), to: new Date(END - 0.4 * 86_400_000 + 7 * 60_000).toISOString() };

beforeAll(async () => {
  const p = await newProject("attr");
  projectId = p.projectId;
  caller = callerFor(p.key);
  const events = [...generateEvents(N, { seed: 13, days: 4, endMs: END, idPrefix: "at", users: 400, tags: 15 })];
  for (let i = 0; i < events.length; i += 1000) await ingestEvents(testDb(), projectId, events.slice(i, i + 1000));
  const q = await newProject("attr-other");
  other = callerFor(q.key);
  await ingestEvents(testDb(), q.projectId, [...generateEvents(50, { seed: 99, days: 4, endMs: END, idPrefix: "o", users: 10 })]);
  // Into the rollups and totals (no folder runs here; other files' folds would do it, or not).
  await foldAll(testDb().sql);
}, 120_000);

type Item = { key: string; calls: number; costUsd: string; inputTokens: number };

/** The same figures by a plain GROUP BY over raw events (the reference). */
async function rawGroups(keyExpr: string, from = "cost_events e", where = "true") {
  const rows = await testDb().sql.unsafe<{ key: string; calls: number; cost: string; input: string }[]>(
    `SELECT ${keyExpr} AS key, count(*)::int AS calls, coalesce(sum(e.cost_usd), 0)::text AS cost, sum(e.input_tokens)::text AS input
     FROM ${from} WHERE e.project_id = $1 AND e.ts >= $2 AND e.ts < $3 AND ${where} GROUP BY 1`,
    [projectId, WINDOW.from, WINDOW.to],
  );
  return new Map(rows.map((r) => [r.key === "" ? "(none)" : r.key, { calls: r.calls, cost: Number(r.cost).toFixed(12), input: Number(r.input) }]));
}

function expectSame(items: Item[], ref: Map<string, { calls: number; cost: string; input: number }>) {
  expect(items.map((i) => i.key).sort()).toEqual([...ref.keys()].sort());
  for (const i of items) {
    const r = ref.get(i.key);
    expect({ key: i.key, calls: i.calls, cost: Number(i.costUsd).toFixed(12), input: i.inputTokens }).toEqual({ key: i.key, calls: r?.calls, cost: r?.cost, input: r?.input });
  }
  // exact decimals compared as strings too (no float on the way)
  for (const i of items) expect(i.costUsd).toMatch(/^\d+(\.\d+)?$/);
}

describeWithDb("attribution: users, sessions, breakdown (createCaller, real PostgreSQL)", () => {
  it("breakdown by user, tag, session and a (not promoted) metadata key equals a raw GROUP BY, paged without repeats or skips", async () => {
    const cases: [string, string, string?][] = [
      ["user", "coalesce(e.user_id, '')"],
      ["session", "coalesce(e.session_id, '')"],
      ["feature", "e.feature"],
      ["model", "e.model"],
      ["tag", "t.k", "cost_events e CROSS JOIN LATERAL unnest(coalesce(nullif(e.tags, '{}'), ARRAY['']::text[])) t(k)"],
      ["metadata:plan", "coalesce(e.metadata ->> 'plan', '')"],
      ["metadata:nope", "coalesce(e.metadata ->> 'nope', '')"],
    ];
    for (const [by, expr, from] of cases) {
      const items = await pageAll((cursor) => caller.breakdown.list({ ...WINDOW, by, limit: 37, cursor }));
      expect(new Set(items.map((i) => i.key)).size, by).toBe(items.length);
      const costs = items.map((i) => Number(i.costUsd));
      expect(costs, by).toEqual([...costs].sort((a, b) => b - a));
      expectSame(items, await rawGroups(expr, from));
    }
    const tags = await caller.breakdown.list({ ...WINDOW, by: "tag", limit: 500 });
    expect(tags.items.some((i) => i.key === "(none)" && i.none)).toBe(true);
    expect(tags.items.filter((i) => !i.none).length).toBe(15);
  });

  it("a promoted metadata key is backfilled and maintained: rollup figure = raw figure", async () => {
    const before = await caller.breakdown.list({ ...WINDOW, by: "metadata:customer", limit: 500 });
    // Promotion is a dashboard (owner/member) action; an API key may not take the lock it needs.
    await expect(caller.breakdown.promoteKey({ key: "customer" })).rejects.toThrow(/owners and members/);
    expect(await promoteMetadataKey(testDb(), projectId, "customer")).toEqual({ key: "customer", promoted: true });
    expect(await caller.breakdown.promotedKeys()).toEqual(["customer"]);
    const after = await caller.breakdown.list({ ...WINDOW, by: "metadata:customer", limit: 500 });
    expect(after.items).toEqual(before.items);
    // New events after promotion are folded into the promoted key's rollup.
    await ingestEvents(testDb(), projectId, [...generateEvents(300, { seed: 14, days: 4, endMs: END, idPrefix: "late", users: 400 })]);
    await foldAll(testDb().sql);
    const [rollupRows] = await testDb().sql`SELECT count(*)::int AS n FROM attribution_daily WHERE project_id = ${projectId} AND dim = 'meta:customer'`;
    expect(rollupRows?.n).toBeGreaterThan(0);
    const fresh = await pageAll((cursor) => caller.breakdown.list({ ...WINDOW, by: "metadata:customer", limit: 5, cursor }));
    expectSame(fresh, await rawGroups("coalesce(e.metadata ->> 'customer', '')"));
    // Exact whole-hour windows too (rollups only, no raw edges).
    const whole = { from: "2026-11-17T00:00:00.000Z", to: "2026-11-20T00:00:00.000Z" };
    const byUser = await caller.breakdown.list({ ...whole, by: "user", limit: 500 });
    const [sum] = await testDb().sql`SELECT count(*)::int AS n FROM cost_events WHERE project_id = ${projectId} AND ts >= ${whole.from} AND ts < ${whole.to}`;
    expect(byUser.items.reduce((s, i) => s + i.calls, 0) + 0).toBeLessThanOrEqual(sum?.n as number);
  });

  it("users.list: per user figures, first/last seen, costliest feature and model; orders by cost, calls, last seen", async () => {
    const items = await pageAll((cursor) => caller.users.list({ ...WINDOW, limit: 50, cursor }));
    const ref = await rawGroups("e.user_id", "cost_events e", "e.user_id IS NOT NULL");
    expectSame(items.map((u) => ({ ...u, key: u.userId })), ref);
    const top = items[0];
    if (!top) throw new Error("no users");
    const [costliest] = await testDb().sql`SELECT feature FROM cost_events WHERE project_id = ${projectId} AND user_id = ${top.userId}
      AND ts >= ${WINDOW.from} AND ts < ${WINDOW.to} GROUP BY feature ORDER BY coalesce(sum(cost_usd), 0) DESC, feature LIMIT 1`;
    expect(top.topFeature).toBe(costliest?.feature);
    expect(top.firstSeen <= top.lastSeen).toBe(true);
    for (const orderBy of ["calls", "lastSeen"] as const) {
      const list = await pageAll((cursor) => caller.users.list({ ...WINDOW, orderBy, limit: 64, cursor }));
      expect(list.map((u) => u.userId).sort()).toEqual(items.map((u) => u.userId).sort());
      const values = list.map((u) => (orderBy === "calls" ? u.calls : Date.parse(u.lastSeen)));
      expect(values).toEqual([...values].sort((a, b) => b - a));
    }
  });

  it("users.list by cost (read in all-time cost order, bounded) is the raw GROUP BY's exact order, page by page", async () => {
    const ordered = async () =>
      (
        await testDb().sql<{ key: string; cost: string }[]>`
        SELECT e.user_id AS key, coalesce(sum(e.cost_usd), 0)::numeric(30, 12)::text AS cost FROM cost_events e
        WHERE e.project_id = ${projectId} AND e.ts >= ${WINDOW.from} AND e.ts < ${WINDOW.to} AND e.user_id IS NOT NULL
        GROUP BY 1 ORDER BY 2 DESC, 1`
      ).map((r) => [r.key, Number(r.cost).toFixed(12)]);
    const listed = async (limit: number) =>
      (await pageAll((cursor) => caller.users.list({ ...WINDOW, limit, cursor }))).map((u) => [u.userId, Number(u.costUsd).toFixed(12)]);
    // The window cuts every user's history (all-time totals are loose bounds); pages of 7 and 100.
    expect(await listed(7)).toEqual(await ordered());
    // New spend not folded yet (the test server folds every few hundred ms): a new biggest spender,
    // and more for an existing user, both counted at once.
    const at = new Date(Date.parse(WINDOW.to) - 3_600_000).toISOString();
    const base = { provider: "openai", model: "gpt-4o", inputTokens: 900_000, outputTokens: 100_000, timestamp: at, costUsd: "97.5" };
    await ingestEvents(testDb(), projectId, [
      { ...base, id: "big-new", userId: "whale-new" },
      { ...base, id: "big-old", userId: (await ordered())[300]?.[0] ?? "u-1", costUsd: "51.25" },
    ]);
    const after = await ordered();
    expect(after[0]?.[0]).toBe("whale-new");
    expect(await listed(100)).toEqual(after);
    expect(await listed(7)).toEqual(after);
    // The bounded reader itself (what users.list by cost runs), against the same order.
    const window = { from: new Date(WINDOW.from), to: new Date(WINDOW.to) };
    const top = await topUsersByCost(testDb().db, projectId, window, null, 25);
    expect(top.rows.map((r) => [r.key, Number(r.cost).toFixed(12)])).toEqual(after.slice(0, 25));
    const [k, c] = [after[24]?.[0] ?? "", String(after[24]?.[1])];
    const next = await topUsersByCost(testDb().db, projectId, window, [c, k], 25);
    expect(next.rows.map((r) => [r.key, Number(r.cost).toFixed(12)])).toEqual(after.slice(25, 50));
  });

  it("users read from their all-time row (whole history in the window, or all-time minus the events outside it): the same items, costliest feature and model, deep pages and (none) as the general path", async () => {
    const { db, sql } = testDb();
    const reference = async (f: { from?: string; to?: string }, withNone: boolean) => {
      const window = { from: f.from ? new Date(f.from) : undefined, to: f.to ? new Date(f.to) : undefined };
      const rows = await queryRows(db, attributionRowSchema, attributionQuery(projectId, window, groupSources.user, { order: "cost", after: null, limit: null, withoutNone: !withNone }));
      return withNone ? rows.map(toBreakdownItem) : await userItems(db, projectId, window, rows);
    };
    const mid = new Date(END - 2 * 86_400_000 + 11 * 60_000).toISOString();
    const early = new Date(END - 4 * 86_400_000 + 2 * 3_600_000 + 13 * 60_000).toISOString();
    // Edges late in their hour (from) and early in it (to): the users the window cuts are their
    // all-time row minus the whole edge hour's rollup plus its folded events inside the window.
    const late = new Date(END - 2 * 86_400_000 - 3_600_000 + 47 * 60_000).toISOString();
    const lateTo = new Date(END - 86_400_000 + 8 * 60_000).toISOString();
    const windows = [{ from: mid }, {}, { from: WINDOW.from, to: WINDOW.to }, { to: mid }, { from: early }, { from: late }, { from: late, to: lateTo }];
    // A user seen again just now (not folded yet, most likely) and a new one: summed, not read whole.
    const at = new Date(END - 600_000).toISOString();
    const base = { provider: "openai", model: "gpt-4o", inputTokens: 1000, outputTokens: 100, timestamp: at };
    await ingestEvents(testDb(), projectId, [{ ...base, id: "whole-1", userId: "user-3", feature: "whole-new" }, { ...base, id: "whole-2", userId: "brand-new-user" }]);
    // Calls with no user ("(none)" of the breakdown): folded ones in the raw minutes of the windows'
    // edge hours (a few minutes after mid, early and late), and one not folded yet.
    const minutesAfter = (iso: string, m: number) => new Date(new Date(iso).getTime() + m * 60_000).toISOString();
    await ingestEvents(testDb(), projectId, [mid, early, late].map((t, i) => ({ ...base, id: `no-user-${i}`, timestamp: minutesAfter(t, 4) })));
    // A whole-history user whose features and models tie on cost (unpriced: 0 each): the smaller
    // name wins on every path.
    const tie = { ...base, userId: "tie-user", timestamp: new Date(END - 1_800_000).toISOString() };
    await ingestEvents(testDb(), projectId, [
      { ...tie, id: "tie-1", feature: "tie-b", model: "acme-unpriced-b" },
      { ...tie, id: "tie-2", feature: "tie-a", model: "acme-unpriced-a" },
    ]);
    await foldAll(sql);
    await ingestEvents(testDb(), projectId, [{ ...base, id: "no-user-tail", timestamp: minutesAfter(at, 1) }]);
    for (const w of windows) {
      const [counts] = await sql<{ whole: number; partial: number }[]>`
        SELECT count(*) FILTER (WHERE first_seen >= coalesce(${w.from ?? null}::timestamptz, '-infinity') AND last_seen < coalesce(${w.to ?? null}::timestamptz, 'infinity'))::int AS whole,
          count(*) FILTER (WHERE NOT (first_seen >= coalesce(${w.from ?? null}::timestamptz, '-infinity') AND last_seen < coalesce(${w.to ?? null}::timestamptz, 'infinity')))::int AS partial
        FROM user_totals WHERE project_id = ${projectId}`;
      expect(counts?.whole, JSON.stringify(w)).toBeGreaterThan(0);
      const users = await pageAll((cursor) => caller.users.list({ ...w, limit: 13, cursor }));
      expect(users, JSON.stringify(w)).toEqual(await reference(w, false));
      const byUser = await pageAll((cursor) => caller.breakdown.list({ ...w, by: "user", limit: 17, cursor }));
      expect(byUser, JSON.stringify(w)).toEqual(await reference(w, true));
      expect(byUser.find((i) => i.none)?.calls, JSON.stringify(w)).toBeGreaterThan(0);
      if (Object.keys(w).length > 0) expect(counts?.partial, JSON.stringify(w)).toBeGreaterThan(0);
    }
    // Each way of reading a user from its all-time row was taken: whole, and all-time minus the two hours outside.
    const { sides } = await topUsersByCost(db, projectId, { from: new Date(early) }, null, 100);
    expect(new Set(sides.values())).toEqual(new Set(["whole", "outside"]));
    // A deep page sets aside the users the window cuts that stay above the cursor whatever their
    // last hour outside held (rollups only), and is still the exact next slice of the order.
    const cut = { from: new Date(early) };
    const exact = await queryRows(db, attributionRowSchema, attributionQuery(projectId, cut, groupSources.user, { order: "cost", after: null, limit: null, withoutNone: true }));
    const anchor = exact[19];
    const deep = await topUsersByCost(db, projectId, cut, anchor ? [anchor.cost, anchor.key] : null, 20);
    expect(deep.setAside).toBeGreaterThan(0);
    expect(deep.rows.map((r) => [r.key, r.cost])).toEqual(exact.slice(20, 40).map((r) => [r.key, r.cost]));
    // The costliest feature and model of a whole-history user, by hand from its events.
    const listed = await caller.users.list({ limit: 500 });
    const one = listed.items.find((u) => u.userId === "user-3");
    const [hand] = await sql<{ feature: string; model: string }[]>`
      SELECT (SELECT feature FROM cost_events WHERE project_id = ${projectId} AND user_id = 'user-3' GROUP BY 1 ORDER BY coalesce(sum(cost_usd), 0) DESC, 1 LIMIT 1) AS feature,
        (SELECT model FROM cost_events WHERE project_id = ${projectId} AND user_id = 'user-3' GROUP BY 1 ORDER BY coalesce(sum(cost_usd), 0) DESC, 1 LIMIT 1) AS model`;
    expect([one?.topFeature, one?.topModel]).toEqual([hand?.feature || null, hand?.model]);
    const tied = listed.items.find((u) => u.userId === "tie-user");
    expect([tied?.topFeature, tied?.topModel, tied?.unpricedCalls]).toEqual(["tie-a", "acme-unpriced-a", 2]);
  });

  it("users.list honours the filters (feature, tag, metadata) and matches raw figures", async () => {
    const filtered = await pageAll((cursor) => caller.users.list({ ...WINDOW, feature: "doc-qa", tag: "prod", limit: 100, cursor }));
    expectSame(
      filtered.map((u) => ({ ...u, key: u.userId })),
      await rawGroups("e.user_id", "cost_events e", "e.user_id IS NOT NULL AND e.feature = 'doc-qa' AND e.tags @> ARRAY['prod']"),
    );
    const pro = await caller.breakdown.list({ ...WINDOW, by: "user", metadata: { key: "plan", value: "pro" }, limit: 500 });
    expectSame(pro.items, await rawGroups("coalesce(e.user_id, '')", "cost_events e", "e.metadata ->> 'plan' = 'pro'"));
    const viaString = await caller.breakdown.list({ ...WINDOW, by: "user", metadata: "plan=pro", limit: 500 });
    expect(viaString.items).toEqual(pro.items);
  });

  it("sessions.list: per session cost, duration and prompt growth (first vs last call), exact", async () => {
    const items = await pageAll((cursor) => caller.sessions.list({ ...WINDOW, limit: 100, cursor }));
    const ref = await rawGroups("e.session_id", "cost_events e", "e.session_id IS NOT NULL");
    expectSame(items.map((s) => ({ ...s, key: s.sessionId })), ref);
    const s = items.find((i) => i.calls > 1) ?? items[0];
    if (!s) throw new Error("no sessions");
    const rows = await testDb().sql`SELECT input_tokens, ts FROM cost_events WHERE project_id = ${projectId} AND session_id = ${s.sessionId}
      AND ts >= ${WINDOW.from} AND ts < ${WINDOW.to} ORDER BY ts, id`;
    expect(s.firstInputTokens).toBe(rows[0]?.input_tokens);
    expect(s.lastInputTokens).toBe(rows[rows.length - 1]?.input_tokens);
    expect(s.durationMs).toBe(Math.floor(Date.parse(String(rows[rows.length - 1]?.ts)) - Date.parse(String(rows[0]?.ts))));
    const oneUser = await caller.sessions.list({ ...WINDOW, userId: s.userId ?? undefined, limit: 500 });
    expect(oneUser.items.every((i) => i.userId === s.userId)).toBe(true);
  });

  it("stats.timeseries groups by user, tag and a metadata key; every group's total equals the breakdown", async () => {
    for (const by of ["tag", "metadata:customer", "user"] as const) {
      const points = await pageAll((cursor) => caller.stats.timeseries({ ...WINDOW, bucket: "day", groupBy: by, limit: 500, cursor }));
      const totals = new Map<string, number>();
      for (const p of points) totals.set(p.group ?? "", (totals.get(p.group ?? "") ?? 0) + p.calls);
      const breakdown = await pageAll((cursor) => caller.breakdown.list({ ...WINDOW, by, limit: 500, cursor }));
      expect(Object.fromEntries(totals)).toEqual(Object.fromEntries(breakdown.map((b) => [b.key, b.calls])));
    }
  });

  it("keeps projects apart and rejects bad input naming the field", async () => {
    const mine = await caller.breakdown.list({ by: "user", limit: 500 });
    const theirs = await other.users.list({ limit: 500 });
    expect(theirs.items.reduce((s, u) => s + u.calls, 0)).toBe(50);
    const page = await caller.users.list({ ...WINDOW, limit: 5 });
    await expect(other.users.list({ ...WINDOW, limit: 5, cursor: page.nextCursor })).rejects.toThrow(/cursor/);
    expect(mine.items.length).toBeGreaterThan(0);
    for (const [call, field] of [
      [() => caller.breakdown.list({ by: "colour" }), "by"],
      [() => caller.breakdown.list({ by: "metadata:" }), "by"],
      [() => caller.users.list({ orderBy: "name" as "cost" }), "orderBy"],
      [() => caller.users.list({ tag: "" }), "tag"],
      [() => caller.sessions.list({ metadata: "noequals" }), "metadata"],
      [() => caller.breakdown.list({ by: "user", cursor: "abc.def" }), "cursor"],
    ] as const) {
      const err = await call().then(() => null, (e: unknown) => e);
      expect(err, field).toBeInstanceOf(TRPCError);
      expect((err as TRPCError).code).toBe("BAD_REQUEST");
      expect((err as TRPCError).message).toContain(field);
    }
  });

  it("events carry tags; tag, session and metadata filters narrow every list", async () => {
    const tagged = await caller.events.list({ ...WINDOW, tag: "beta", limit: 500 });
    expect(tagged.items.length).toBeGreaterThan(0);
    expect(tagged.items.every((e) => e.tags?.includes("beta"))).toBe(true);
    const features = await caller.features.list({ ...WINDOW, metadata: { key: "plan", value: "team" }, limit: 100 });
    const ref = await rawGroups("e.feature", "cost_events e", "e.metadata ->> 'plan' = 'team'");
    expect(features.items.reduce((s, f) => s + f.calls, 0)).toBe([...ref.values()].reduce((s, r) => s + r.calls, 0));
    const sess = tagged.items[0]?.sessionId ?? "";
    const inSession = await caller.events.list({ sessionId: sess, limit: 500 });
    expect(inSession.items.every((e) => e.sessionId === sess)).toBe(true);
  });
});
