// Budgets on real PostgreSQL: CRUD through the routers with roles, exact spend per scope from the
// rollups + unfolded tail, periods in a non-UTC zone, and one alert per crossing whatever the
// evaluators do (two at once, restarts, repricing).
import { randomUUID } from "node:crypto";
import { sql as dsql } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { setTimeZone } from "~/features/settings/server";
import { createContext } from "~/server/api/trpc";
import { browserHeaders, newSignedInUser } from "~/test/auth";
import { closeTestDb, describeWithDb, describeWithHttp, newProject, requireBaseUrl, testDb } from "~/test/integration";
import { createCaller } from "~/trpc/root";
import { acquireLease, budgetStatus, createBudget, detectAnomalies, evaluateOnce, leaseStillHeld, listAlerts, startBudgetEvaluator } from "./server";
import { ingestCalls } from "./test-events";

afterAll(closeTestDb);

const ingest = ingestCalls;

const lease = () => `test-${randomUUID()}`;
const alertsOf = async (projectId: string) =>
  (await listAlerts(testDb().db, projectId, { limit: 200 })).items.map((a) => `${a.budgetName}:${a.subject ?? ""}:${a.threshold}`).sort();

describeWithDb("budget spend and alerts (real PostgreSQL)", () => {
  it("measures each scope exactly, including events not folded into the rollups yet", async () => {
    const p = await newProject("budget-scopes");
    const now = new Date();
    const { db } = testDb();
    // a third of a cent three times: 0.001 exactly, never 0.0009999…
    await ingest(p.projectId, [
      { at: now, cost: "0.000333333333", feature: "chat", userId: "alice", tags: ["beta"] },
      { at: now, cost: "0.000333333333", feature: "chat", userId: "bob", tags: ["beta", "eu"] },
      { at: now, cost: "0.000333333334", feature: "search", userId: "alice" },
    ]);
    const mk = (name: string, scope: Parameters<typeof createBudget>[2]["scope"]) =>
      createBudget(db, p.projectId, { name, amountUsd: "0.001", period: "day", scope, thresholds: [50, 100] });
    await mk("all", { kind: "project" });
    await mk("chat", { kind: "feature", value: "chat" });
    await mk("beta", { kind: "tag", value: "beta" });
    await mk("alice", { kind: "user", value: "alice" });
    await mk("model", { kind: "model", value: "gpt-4o-mini" });
    await mk("each", { kind: "each_user" });
    const byName = new Map((await budgetStatus(db, p.projectId, { userId: "alice", feature: "chat", model: "gpt-4o-mini", tags: ["beta"] })).map((s) => [`${s.name}:${s.subject ?? ""}`, s]));
    expect(byName.get("all:")).toMatchObject({ spent: "0.001000000000", remaining: "0.000000000000", state: "exceeded" });
    expect(byName.get("chat:")).toMatchObject({ spent: "0.000666666666", state: "warning" });
    expect(byName.get("beta:")).toMatchObject({ spent: "0.000666666666" });
    expect(byName.get("alice:")).toMatchObject({ spent: "0.000666666667" });
    expect(byName.get("each:alice")).toMatchObject({ spent: "0.000666666667", subject: "alice" });
    expect(byName.get("model:")).toMatchObject({ spent: "0.001000000000", state: "exceeded" });
    // a call without user or tags only counts against the project, feature and model budgets
    const narrow = await budgetStatus(db, p.projectId, { feature: "search" });
    expect(narrow.map((s) => s.name).sort()).toEqual(["all"]);
  });

  it("counts periods in the project's time zone: a New York month starts at 05:00 UTC on Dec 1", async () => {
    const p = await newProject("budget-tz");
    const { db } = testDb();
    await setTimeZone(db, p.projectId, "America/New_York");
    await ingest(p.projectId, [
      { at: "2026-11-01T03:30:00Z", cost: "5" }, // Oct 31 in New York: not November's
      { at: "2026-11-01T04:30:00Z", cost: "2" }, // Nov 1 00:30 EDT (the day DST ends)
      { at: "2026-12-01T04:30:00Z", cost: "6" }, // Nov 30 23:30 EST: still November
      { at: "2026-12-01T05:30:00Z", cost: "3" }, // Dec 1 00:30 EST
    ]);
    await createBudget(db, p.projectId, { name: "monthly", amountUsd: "10", period: "month", scope: { kind: "project" }, thresholds: [50, 80, 100] });
    const nov = await budgetStatus(db, p.projectId, {}, new Date("2026-12-01T04:45:00Z"));
    expect(nov[0]).toMatchObject({ spent: "8.000000000000", state: "warning", periodStart: "2026-11-01T04:00:00.000Z", periodEnd: "2026-12-01T05:00:00.000Z" });
    const dec = await budgetStatus(db, p.projectId, {}, new Date("2026-12-01T12:00:00Z"));
    expect(dec[0]).toMatchObject({ spent: "3.000000000000", state: "ok", periodStart: "2026-12-01T05:00:00.000Z", periodEnd: "2027-01-01T05:00:00.000Z" });
    const name = lease();
    await evaluateOnce(db, { holder: "a", leaseMs: 10_000, lease: name, projectIds: [p.projectId], now: new Date("2026-12-01T04:45:00Z") });
    await evaluateOnce(db, { holder: "a", leaseMs: 10_000, lease: name, projectIds: [p.projectId], now: new Date("2026-12-01T12:00:00Z") });
    const alerts = (await listAlerts(db, p.projectId, { limit: 10 })).items;
    expect(alerts.map((a) => [a.threshold, a.periodStart]).sort()).toEqual([
      [50, "2026-11-01T04:00:00.000Z"],
      [80, "2026-11-01T04:00:00.000Z"],
    ]);
    // a UTC project would have seen 9 in December (6 + 3) — and alerted at 80 %
    await setTimeZone(db, p.projectId, "UTC");
    expect((await budgetStatus(db, p.projectId, {}, new Date("2026-12-01T12:00:00Z")))[0]?.spent).toBe("9.000000000000");
  });

  it("raises exactly one alert per budget, period, threshold and user with two evaluators, restarts and repricing", async () => {
    const p = await newProject("budget-once");
    const { db } = testDb();
    const name = lease();
    await createBudget(db, p.projectId, { name: "proj", amountUsd: "1", period: "day", scope: { kind: "project" }, thresholds: [50, 80, 100] });
    await createBudget(db, p.projectId, { name: "each", amountUsd: "0.5", period: "day", scope: { kind: "each_user" }, thresholds: [100] });
    const opts = { lease: name, projectIds: [p.projectId] };
    // two instances at a 20 ms tick with a short lease, so the lease changes hands during the run
    let a = startBudgetEvaluator(db, 20, { ...opts, holder: "instance-a", singleton: false });
    const b = startBudgetEvaluator(db, 20, { ...opts, holder: "instance-b", singleton: false });
    const now = Date.now();
    for (let i = 0; i < 12; i++) {
      await ingest(p.projectId, [{ at: new Date(now - i), cost: "0.1", userId: i % 2 === 0 ? "u1" : "u2" }]);
      if (i === 6) {
        await a.stop(); // restart one instance mid-run
        a = startBudgetEvaluator(db, 20, { ...opts, holder: "instance-a2", singleton: false });
      }
      await new Promise((r) => setTimeout(r, 15));
    }
    await a.stop();
    await b.stop();
    // a final tick by a third evaluator after both stopped sees everything
    const last = await evaluateOnce(db, { holder: "instance-c", leaseMs: 5_000, ...opts });
    expect(last.ran).toBe(true);
    // repricing the day's events to zero does not take alerts back, nor raise new ones
    await testDb().sql`UPDATE cost_events SET cost_usd = 0 WHERE project_id = ${p.projectId}`;
    await evaluateOnce(db, { holder: "instance-c", leaseMs: 5_000, ...opts });
    expect(await alertsOf(p.projectId)).toEqual(["each:u1:100", "each:u2:100", "proj::100", "proj::50", "proj::80"]);
  });

  it("the evaluator reuses complete days for 10 minutes (a new lease holder reads them again); app status is always fresh", async () => {
    const p = await newProject("budget-cache");
    const { db, sql } = testDb();
    const name = lease();
    const now = new Date("2026-12-03T12:00:00Z");
    await createBudget(db, p.projectId, { name: "month", amountUsd: "10", period: "month", scope: { kind: "project" }, thresholds: [50] });
    await ingest(p.projectId, [{ at: "2026-12-02T10:00:00Z", cost: "3" }, { at: "2026-12-03T10:00:00Z", cost: "1" }]);
    const tick = (holder: string) => evaluateOnce(db, { holder, leaseMs: 60_000, lease: name, projectIds: [p.projectId], now });
    expect((await tick("a")).ran).toBe(true);
    // a late event on a complete day: the holder's cached day does not have it yet…
    await ingest(p.projectId, [{ at: "2026-12-02T11:00:00Z", cost: "2" }]);
    await tick("a");
    expect(await alertsOf(p.projectId)).toEqual([]);
    // …apps see it at once…
    expect((await budgetStatus(db, p.projectId, {}, now))[0]?.spent).toBe("6.000000000000");
    // …and the next holder of the lease reads the days again
    await sql`UPDATE budget_evaluator_lease SET expires_at = now() - interval '1 second' WHERE name = ${name}`;
    await tick("b");
    expect(await alertsOf(p.projectId)).toEqual(["month::50"]);
  });

  it("the evaluator reuses today's hours up to the one before the current hour; the previous and current hours are read every tick", async () => {
    const p = await newProject("budget-hours-cache");
    const { db } = testDb();
    const name = lease();
    const now = new Date("2026-12-03T12:30:00Z");
    await createBudget(db, p.projectId, { name: "day", amountUsd: "10", period: "day", scope: { kind: "project" }, thresholds: [50] });
    await ingest(p.projectId, [{ at: "2026-12-03T09:00:00Z", cost: "3" }]);
    const tick = () => evaluateOnce(db, { holder: "a", leaseMs: 60_000, lease: name, projectIds: [p.projectId], now });
    expect((await tick()).ran).toBe(true);
    // stored late for 10:00, an hour the evaluator holds: not seen by its ticks for now (apps see it)
    await ingest(p.projectId, [{ at: "2026-12-03T10:00:00Z", cost: "2.5" }]);
    await tick();
    expect(await alertsOf(p.projectId)).toEqual([]);
    expect((await budgetStatus(db, p.projectId, {}, now))[0]?.spent).toBe("5.500000000000");
    // the previous hour is read fresh: 3 + 2.2 crosses 50 % at the next tick
    await ingest(p.projectId, [{ at: "2026-12-03T11:55:00Z", cost: "2.2" }]);
    await tick();
    const [alert] = (await listAlerts(db, p.projectId, { limit: 10 })).items;
    expect(alert).toMatchObject({ threshold: 50, spentUsd: "5.200000000000" });
  });

  it("fences a deposed evaluator: after its lease expired and another took it, its token no longer writes", async () => {
    const { db, sql } = testDb();
    const name = lease();
    const t1 = await acquireLease(db, "old", 60_000, name);
    expect(t1).not.toBeNull();
    expect(await acquireLease(db, "new", 60_000, name)).toBeNull(); // held
    await sql`UPDATE budget_evaluator_lease SET expires_at = now() - interval '1 second' WHERE name = ${name}`;
    const t2 = await acquireLease(db, "new", 60_000, name);
    expect(t2).toBe((t1 ?? 0n) + 1n);
    const held = async (holder: string, token: bigint) =>
      ((await db.execute(sqlHeld(holder, token, name))) as unknown as { ok: boolean }[])[0]?.ok;
    expect(await held("old", t1 ?? 0n)).toBe(false);
    expect(await held("new", t2 ?? 0n)).toBe(true);
    expect(await acquireLease(db, "old", 60_000, name)).toBeNull();
  });
});

const sqlHeld = (holder: string, token: bigint, name: string) => dsql`SELECT ${leaseStillHeld(holder, token, name)} AS ok`;

const SAME_ORIGIN = (base: string) => ({ host: new URL(base).host, origin: base });

describeWithHttp("budgets over tRPC and HTTP (roles, status route)", () => {
  it("owners and members write budgets, viewers and API keys only read them; bad input names the field", async () => {
    const base = requireBaseUrl();
    const p = await newProject("budget-roles");
    const caller = async (role: "owner" | "member" | "viewer") => {
      const user = await newSignedInUser({ projectId: p.projectId, role });
      return createCaller(createContext({ headers: new Headers({ ...SAME_ORIGIN(base), ...browserHeaders(user, { project: p.projectId }) }), client: testDb() }));
    };
    const owner = await caller("owner");
    const member = await caller("member");
    const viewer = await caller("viewer");
    const created = await owner.budgets.create({ name: "Monthly", amountUsd: "250.50", period: "month", scope: { kind: "metadata", key: "tenant", value: "acme" } });
    expect(created).toMatchObject({ amountUsd: "250.500000000000", thresholds: [50, 80, 100], scope: { kind: "metadata", key: "tenant", value: "acme" } });
    const updated = await member.budgets.update({ id: created.id, name: "Monthly", amountUsd: "300", period: "week", scope: { kind: "feature", value: "chat" }, thresholds: [100, 90, 90] });
    expect(updated).toMatchObject({ amountUsd: "300.000000000000", period: "week", thresholds: [90, 100] });
    expect((await viewer.budgets.list()).map((b) => b.id)).toEqual([created.id]);
    await expect(viewer.budgets.create({ name: "x", amountUsd: "1", period: "day", scope: { kind: "project" } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(viewer.budgets.delete({ id: created.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const keyCaller = createCaller(createContext({ headers: new Headers({ authorization: `Bearer ${p.key}` }), client: testDb() }));
    expect(await keyCaller.budgets.list()).toHaveLength(1);
    await expect(keyCaller.budgets.create({ name: "x", amountUsd: "1", period: "day", scope: { kind: "project" } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    for (const [input, field] of [
      [{ name: "x", amountUsd: "1.5e3", period: "day", scope: { kind: "project" } }, "amountUsd"],
      [{ name: "x", amountUsd: "0.000", period: "day", scope: { kind: "project" } }, "amountUsd"],
      [{ name: "x", amountUsd: "1", period: "year", scope: { kind: "project" } }, "period"],
      [{ name: "x", amountUsd: "1", period: "day", scope: { kind: "feature" } }, "scope.value"],
      [{ name: "x", amountUsd: "1", period: "day", scope: { kind: "project" }, thresholds: [0] }, "thresholds.0"],
    ] as const) {
      const err = (await owner.budgets.create(input as never).catch((e: unknown) => e)) as { code: string; cause?: { issues?: { path: PropertyKey[] }[] } };
      expect(err.code, field).toBe("BAD_REQUEST");
      expect(err.cause?.issues?.map((i) => i.path.map(String).join(".")), field).toContain(field);
    }
    await expect(member.projectSettings.setTimeZone({ timeZone: "Mars/Olympus" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await member.projectSettings.setTimeZone({ timeZone: "Europe/Paris" })).toEqual({ timeZone: "Europe/Paris" });
    await expect(viewer.projectSettings.setTimeZone({ timeZone: "UTC" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await owner.budgets.delete({ id: created.id });
    expect(await viewer.budgets.list()).toEqual([]);
  });

  it("anomaly alerts are acknowledged like budget alerts: the badge counts both, once each; viewers cannot; another project's id is not found", async () => {
    const base = requireBaseUrl();
    const p = await newProject("anomaly-ack");
    const other = await newProject("anomaly-ack-other");
    const { db } = testDb();
    const caller = async (projectId: string, role: "owner" | "viewer") => {
      const user = await newSignedInUser({ projectId, role });
      return createCaller(createContext({ headers: new Headers({ ...SAME_ORIGIN(base), ...browserHeaders(user, { project: projectId }) }), client: testDb() }));
    };
    const owner = await caller(p.projectId, "owner");
    const viewer = await caller(p.projectId, "viewer");
    await createBudget(db, p.projectId, { name: "tiny", amountUsd: "0.01", period: "day", scope: { kind: "project" } });
    await ingest(p.projectId, [{ at: new Date(), cost: "0.02", feature: "chat" }, { at: new Date(), feature: "chat", model: "mystery-model-ack" }]);
    await evaluateOnce(db, { holder: "ack", leaseMs: 10_000, lease: lease(), projectIds: [p.projectId] });
    expect(await detectAnomalies(db, p.projectId, new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000))).toBe(1);
    const budgetAlerts = (await owner.alerts.list({ limit: 10 })).items;
    expect(budgetAlerts.map((a) => a.threshold)).toEqual([100, 80, 50]);
    expect(await viewer.alerts.unacknowledged()).toBe(4);
    const [anomaly] = await owner.alerts.anomalies();
    if (!anomaly) throw new Error("no anomaly alert");
    expect(anomaly).toMatchObject({ kind: "unpriced_model", key: "mystery-model-ack", acknowledgedAt: null, acknowledgedBy: null });
    await expect(viewer.alerts.acknowledge({ id: anomaly.id, kind: "anomaly" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const otherOwner = await caller(other.projectId, "owner");
    await expect(otherOwner.alerts.acknowledge({ id: anomaly.id, kind: "anomaly" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const bad = (await owner.alerts.acknowledge({ id: anomaly.id, kind: "spike" } as never).catch((e: unknown) => e)) as { code: string; cause?: { issues?: { path: PropertyKey[] }[] } };
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.cause?.issues?.map((i) => i.path.join("."))).toContain("kind");
    expect(await owner.alerts.acknowledge({ id: anomaly.id, kind: "anomaly" })).toEqual({ id: anomaly.id });
    expect(await owner.alerts.acknowledge({ id: anomaly.id, kind: "anomaly" })).toEqual({ id: anomaly.id }); // twice: the first stays
    const [acked] = await owner.alerts.anomalies();
    expect(acked?.acknowledgedBy).toContain("@");
    expect(acked?.acknowledgedAt).toMatch(/^\d{4}-/);
    expect(await owner.alerts.unacknowledged()).toBe(3);
    await owner.alerts.acknowledge({ id: budgetAlerts[0]?.id ?? "0" }); // kind defaults to a budget alert
    expect(await owner.alerts.unacknowledged()).toBe(2);
  });

  it("GET /api/v1/budgets/status answers the matching budgets with exact decimals; 401 without a key, 400 naming a bad field", async () => {
    const base = requireBaseUrl();
    const p = await newProject("budget-route");
    const { db } = testDb();
    await createBudget(db, p.projectId, { name: "per user", amountUsd: "0.02", period: "day", scope: { kind: "each_user" } });
    await createBudget(db, p.projectId, { name: "chat", amountUsd: "5", period: "month", scope: { kind: "feature", value: "chat" } });
    await ingest(p.projectId, [{ at: new Date(), cost: "0.015", userId: "carol", feature: "chat" }]);
    const get = (q: string, key: string | null = p.key) =>
      fetch(`${base}/api/v1/budgets/status${q}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    const res = await get("?userId=carol&feature=chat");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { budgets: { name: string; spent: string; remaining: string; state: string; subject: string | null; periodEnd: string }[] };
    const byName = Object.fromEntries(body.budgets.map((b) => [b.name, b]));
    expect(byName["per user"]).toMatchObject({ subject: "carol", spent: "0.015000000000", remaining: "0.005000000000", state: "warning" });
    expect(byName.chat).toMatchObject({ spent: "0.015000000000", state: "ok" });
    expect(new Date(byName.chat?.periodEnd ?? 0).getTime()).toBeGreaterThan(Date.now());
    expect((await get("?userId=dave")).status).toBe(200);
    expect(((await (await get("?feature=other")).json()) as { budgets: unknown[] }).budgets).toEqual([]);
    expect((await get("", null)).status).toBe(401);
    const bad = await get(`?userId=${"x".repeat(300)}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain("userId");
    expect(res.headers.get("x-ratelimit-limit")).not.toBeNull();
  });
});
