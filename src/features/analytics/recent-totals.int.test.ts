// user_recent_totals: each user's folded usage since the anchor of a window length, kept exact as
// the anchor follows the clock (users dropped, first_seen moved), and the users list that reads it.
import { afterAll, expect, it } from "vitest";
import { attributionQuery, attributionRowSchema, groupSources, toBreakdownItem, topUsersByCost, userItems } from "~/features/analytics/server";
import { totalsFor } from "./server/attribution-lists";
import { ingestEvents } from "~/features/ingestion/server";
import { queryRows } from "~/server/db/query";
import { createContext } from "~/server/api/trpc";
import { createCaller } from "~/trpc/root";
import { createDbClient } from "~/server/db";
import { closeTestDb, describeWithDb, newProject, pageAll, pgUrl, testDb } from "~/test/integration";
import { generateEvents } from "../../../scripts/lib/generate";
import { FOLD_LOCK, foldAll, snapshotsBefore, waitForSnapshotsBefore } from "~/server/rollups/fold";
import { buildRecentSpan } from "~/server/rollups/recent-totals";

afterAll(closeTestDb);

const HOUR = 3_600_000;

/** The project's rows of one span equal a GROUP BY of its folded events at or after the anchor. */
async function expectRowsExact(projectId: string, span: number, label: string) {
  const { sql } = testDb();
  const [a] = await sql<{ anchor: string; ms: number }[]>`SELECT anchor::text, (extract(epoch FROM anchor) * 1000)::float8 AS ms FROM user_recent_anchors WHERE span_days = ${span}`;
  if (!a) throw new Error(`no anchor for ${span}`);
  const stored = await sql<{ user_id: string; calls: string; errors: string; tokens: string; cost: string; first_seen: Date; last_seen: Date; hour_cost: string }[]>`
    SELECT user_id, calls::text, errors::text, input_tokens::text AS tokens, cost_usd::text AS cost, first_seen, last_seen, anchor_hour_cost::text AS hour_cost
    FROM user_recent_totals WHERE project_id = ${projectId} AND span_days = ${span} ORDER BY user_id`;
  const raw = await sql<typeof stored>`
    SELECT user_id, count(*)::text AS calls, count(*) FILTER (WHERE status = 'error')::text AS errors, sum(input_tokens)::text AS tokens,
      coalesce(sum(cost_usd), 0)::numeric(30, 12)::text AS cost, min(ts) AS first_seen, max(ts) AS last_seen,
      coalesce(sum(cost_usd) FILTER (WHERE ts < ${a.anchor}::timestamptz + interval '1 hour'), 0)::numeric(30, 12)::text AS hour_cost
    FROM cost_events WHERE project_id = ${projectId} AND user_id IS NOT NULL AND ts >= ${a.anchor}::timestamptz GROUP BY 1 ORDER BY 1`;
  expect(stored.length, label).toBeGreaterThan(0);
  expect(stored, label).toEqual(raw);
  return a.ms;
}

describeWithDb("recent user totals (last N days, anchors following the clock)", () => {
  it("are built, folded into, and advanced exactly: users left behind dropped, first_seen moved to their next event", async () => {
    const p = await newProject("recent");
    const { sql, db } = testDb();
    const now = Date.now();
    await ingestEvents(testDb(), p.projectId, [...generateEvents(800, { seed: 31, days: 2, endMs: now - 60_000, idPrefix: "rt", users: 60, tags: 5 })]);
    await foldAll(sql);
    for (const span of [1, 7, 30, 90]) await expectRowsExact(p.projectId, span, `span ${span} after the first fold`);
    // The 1-day anchor as it was six hours ago (rebuilt there, under the fold lock: other files
    // read the same table meanwhile), with users seen only in those six hours and one seen there
    // and later; the next fold moves it back to now and must leave exactly the later events.
    const [{ dueMs } = { dueMs: 0 }] = await sql<{ dueMs: number }[]>`
      SELECT (extract(epoch FROM date_trunc('hour', now() - interval '1 day', 'UTC')) * 1000)::float8 AS "dueMs"`;
    const base = { provider: "openai", model: "gpt-4o", inputTokens: 1000, outputTokens: 100, feature: "recent" };
    await ingestEvents(testDb(), p.projectId, [
      { ...base, id: "gone-1", userId: "gone-user", timestamp: new Date(dueMs - 3 * HOUR).toISOString() },
      { ...base, id: "gone-2", userId: "gone-user", timestamp: new Date(dueMs - 2 * HOUR).toISOString() },
      { ...base, id: "moved-1", userId: "moved-user", timestamp: new Date(dueMs - HOUR + 60_000).toISOString() },
      { ...base, id: "moved-2", userId: "moved-user", timestamp: new Date(dueMs + 2 * HOUR + 5_000).toISOString() },
    ]);
    await foldAll(sql);
    await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${FOLD_LOCK})`;
      await buildRecentSpan(tx, 1, new Date(dueMs - 6 * HOUR).toISOString());
    });
    const [before] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM user_recent_totals WHERE project_id = ${p.projectId} AND span_days = 1 AND user_id = 'gone-user'`;
    expect(before?.n).toBe(1);
    const vacuums = async () =>
      (await sql<{ n: number }[]>`SELECT vacuum_count::int AS n FROM pg_stat_user_tables WHERE relname = 'user_recent_totals'`)[0]?.n ?? 0;
    const vacuumsBefore = await vacuums();
    await foldAll(sql);
    // The move rewrote rows the users list reads index-only: the fold that made it vacuums the
    // table after it. That may be another session's fold (a server of another file folds every
    // 250 ms, on this database too), which first waits up to SNAPSHOT_WAIT_MS for older
    // snapshots: so the count is awaited, not read at once.
    const vacuumDeadline = Date.now() + 20_000;
    while ((await vacuums()) <= vacuumsBefore && Date.now() < vacuumDeadline) await new Promise((res) => setTimeout(res, 100));
    expect(await vacuums()).toBeGreaterThan(vacuumsBefore);
    const anchor = await expectRowsExact(p.projectId, 1, "span 1 after the advance");
    expect(anchor).toBeGreaterThanOrEqual(dueMs);
    const moved = await sql<{ user_id: string; first_seen: number; calls: string }[]>`
      SELECT user_id, (extract(epoch FROM first_seen) * 1000)::float8 AS first_seen, calls::text FROM user_recent_totals WHERE project_id = ${p.projectId} AND span_days = 1 AND user_id IN ('gone-user', 'moved-user')`;
    expect(moved).toEqual([{ user_id: "moved-user", first_seen: dueMs + 2 * HOUR + 5_000, calls: "1" }]);

    // The users list over the last day reads these rows: a window starting 40 minutes after the
    // anchor cuts the users seen in between. Same items and deep pages as the general path.
    const from = new Date(anchor + 40 * 60_000);
    const totals = await totalsFor(db, p.projectId, { from });
    expect(totals.since?.getTime()).toBe(anchor);
    const caller = createCaller(createContext({ headers: new Headers({ authorization: `Bearer ${p.key}` }), client: testDb() }));
    const exact = await queryRows(db, attributionRowSchema, attributionQuery(p.projectId, { from }, groupSources.user, { order: "cost", after: null, limit: null, withoutNone: true }));
    expect(exact.length).toBeGreaterThan(20);
    const listed = await pageAll((cursor) => caller.users.list({ from, limit: 7, cursor }));
    expect(listed).toEqual(await userItems(db, p.projectId, { from }, exact));
    const k = exact[9];
    const deep = await topUsersByCost(db, p.projectId, { from }, k ? [k.cost, k.key] : null, 10);
    expect(deep.rows.map((r) => [r.key, r.cost, r.calls, r.first_seen])).toEqual(exact.slice(10, 20).map((r) => [r.key, r.cost, r.calls, r.first_seen]));

    // A window taken before the last move starts before the anchor (a page opened earlier, then
    // scrolled): read from these rows all the same ("ahead"), with the users seen in the 20
    // minutes before the anchor added — one only there (the costliest), one there and later.
    await ingestEvents(testDb(), p.projectId, [
      { ...base, id: "early-1", userId: "early-only", inputTokens: 900_000, timestamp: new Date(anchor - 10 * 60_000).toISOString() },
      { ...base, id: "early-2", userId: "early-and-later", timestamp: new Date(anchor - 5 * 60_000).toISOString() },
      { ...base, id: "early-3", userId: "early-and-later", timestamp: new Date(anchor + 3 * HOUR).toISOString() },
      { ...base, id: "early-4", userId: "before-window", timestamp: new Date(anchor - 30 * 60_000).toISOString() },
      // Among the cheapest, only there: found once every row has been read (the last pages).
      { ...base, id: "early-5", userId: "early-cheap", inputTokens: 1, outputTokens: 0, timestamp: new Date(anchor - 2 * 60_000).toISOString() },
    ]);
    // More users than one read of rows (100), so the reading can go on past the first.
    await ingestEvents(testDb(), p.projectId, Array.from({ length: 150 }, (_, i) => ({
      ...base, id: `many-${i}`, userId: `many-${i}`, inputTokens: 10 + ((i * 7919) % 5000), timestamp: new Date(anchor + HOUR + i * 1000).toISOString(),
    })));
    await foldAll(sql);
    const early = new Date(anchor - 20 * 60_000);
    const aheadTotals = await totalsFor(db, p.projectId, { from: early });
    expect(aheadTotals.since?.getTime()).toBe(anchor);
    // With an end, or more than an hour before the anchor: the next anchor below (7 days), as before.
    expect((await totalsFor(db, p.projectId, { from: early, to: new Date(now) })).since?.getTime()).toBeLessThan(early.getTime());
    expect((await totalsFor(db, p.projectId, { from: new Date(anchor - 31 * 60_000) })).since?.getTime()).toBeLessThan(anchor - 31 * 60_000);
    let exactEarly = await queryRows(db, attributionRowSchema, attributionQuery(p.projectId, { from: early }, groupSources.user, { order: "cost", after: null, limit: null, withoutNone: true }));
    expect(exactEarly[0]?.key).toBe("early-only");
    expect(exactEarly.map((r) => r.key)).toContain("early-and-later");
    expect(exactEarly.map((r) => r.key)).not.toContain("before-window");
    expect(exactEarly.map((r) => r.key)).toContain("early-cheap");
    // A user on the first page of 5 by its calls before the anchor plus its row, though neither
    // alone would place it there: its row is below the first 100 rows read (the cost per input
    // token is early-cheap's), so it is found only by reading on or settling it at once.
    const perToken = Number(exactEarly.find((r) => r.key === "early-cheap")?.cost);
    const fifth = Number(exactEarly[4]?.cost);
    const [row100] = await sql<{ cost: string }[]>`SELECT cost_usd::text AS cost FROM user_recent_totals
      WHERE project_id = ${p.projectId} AND span_days = 1 ORDER BY cost_usd DESC, user_id OFFSET 99 LIMIT 1`;
    const r100 = Number(row100?.cost);
    expect(perToken).toBeGreaterThan(0);
    expect(fifth - 0.5 * r100).toBeGreaterThan(0);
    await ingestEvents(testDb(), p.projectId, [
      { ...base, id: "early-8", userId: "early-mid", inputTokens: Math.floor((fifth - 0.5 * r100) / perToken), outputTokens: 0, timestamp: new Date(anchor - 12 * 60_000).toISOString() },
      { ...base, id: "early-9", userId: "early-mid", inputTokens: Math.floor((0.9 * r100) / perToken), outputTokens: 0, timestamp: new Date(anchor + 2 * HOUR).toISOString() },
    ]);
    await foldAll(sql);
    exactEarly = await queryRows(db, attributionRowSchema, attributionQuery(p.projectId, { from: early }, groupSources.user, { order: "cost", after: null, limit: null, withoutNone: true }));
    expect(exactEarly.slice(0, 5).map((r) => r.key)).toContain("early-mid");
    const listedEarly = await pageAll((cursor) => caller.users.list({ from: early, limit: 7, cursor }));
    expect(listedEarly).toEqual(await userItems(db, p.projectId, { from: early }, exactEarly));
    // Every page, settling the pending users at once and (settleAtOnce 1) only after reading on.
    for (const settleAtOnce of [300, 1]) {
      for (let at = -1; at < exactEarly.length; at += 9) {
        const c = exactEarly[at];
        const page = await topUsersByCost(db, p.projectId, { from: early }, c ? [c.cost, c.key] : null, 5, { settleAtOnce });
        expect(page.rows, `after row ${at}, settling ${settleAtOnce} at once`).toEqual(exactEarly.slice(at + 1, at + 6));
      }
    }
    const byUser = await pageAll((cursor) => caller.breakdown.list({ by: "user", from: early, limit: 9, cursor }));
    const exactByUser = await queryRows(db, attributionRowSchema, attributionQuery(p.projectId, { from: early }, groupSources.user, { order: "cost", after: null, limit: null }));
    expect(byUser).toEqual(exactByUser.map(toBreakdownItem));
  });

  it("the vacuum after a move waits for the snapshots taken before it (a vacuum keeps what they may see)", async () => {
    // Other test files' sessions may hold older snapshots too (the wait is for all of them), so
    // this checks the holder's own session by its pid.
    const { sql } = testDb();
    const holder = createDbClient(pgUrl ?? "", { max: 1 });
    let release = () => {};
    const released = new Promise<void>((res) => (release = res));
    let snapshotTaken = (_pid: number) => {};
    const taken = new Promise<number>((res) => (snapshotTaken = res));
    // A read that began before the "move" and is still running.
    const reading = holder.sql.begin("isolation level repeatable read", async (tx) => {
      const [me] = await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      snapshotTaken(me?.pid ?? 0);
      await released;
    });
    try {
      const pid = await taken;
      const [w] = await sql.begin(async (tx) => tx<{ xid: string }[]>`SELECT (pg_current_xact_id()::text::bigint % 4294967296)::text AS xid`);
      const xid = w?.xid ?? "";
      expect(xid).toMatch(/^\d+$/);
      expect(await snapshotsBefore(sql, xid)).toContain(pid);
      expect(await waitForSnapshotsBefore(sql, xid, 100)).toBe(false);
      let releasedAt = 0;
      const waited = waitForSnapshotsBefore(sql, xid, 300).then(() => releasedAt > 0);
      // Not before the holder ends (it returns at its timeout, or when every older snapshot is gone).
      expect(await waited).toBe(false);
      releasedAt = Date.now();
      release();
      await reading;
      expect(await snapshotsBefore(sql, xid)).not.toContain(pid);
      // A snapshot taken after the transaction committed is not one of them.
      await holder.sql.begin("isolation level repeatable read", async (tx) => {
        const [me] = await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
        expect(await snapshotsBefore(sql, xid)).not.toContain(me?.pid);
      });
    } finally {
      release();
      await reading.catch(() => undefined);
      await holder.sql.end();
    }
  });
});
