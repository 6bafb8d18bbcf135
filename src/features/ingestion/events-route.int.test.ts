import { eq, sql } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { revokeApiKey } from "~/server/auth/api-keys";
import { apiKeys, costEvents } from "~/server/db/schema";
import { freePort, startAppServer } from "~/test/app-server";
import { closeTestDb, describeWithHttp, newProject, postEvents, requireBaseUrl, testDb } from "~/test/integration";

afterAll(closeTestDb);

const ev = { provider: "openai", model: "gpt-4o-mini", inputTokens: 100, outputTokens: 20 };

async function storedCount(projectId: string) {
  const rows = await testDb()
    .db.select({ n: sql<number>`count(*)::int` })
    .from(costEvents)
    .where(eq(costEvents.projectId, projectId));
  return rows[0]?.n ?? -1;
}

type Rejected = { index: number; issues: { path: string; message: string }[] }[];

describeWithHttp("POST /api/v1/events over HTTP", () => {
  it("accepts one event and a batch, durable when the response arrives", async () => {
    const { projectId, key } = await newProject();
    const one = await postEvents(key, { ...ev, id: "one" });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const batch = await postEvents(key, { events: [{ ...ev, id: "b1" }, { ...ev, id: "b2" }, { ...ev, id: "one" }] });
    expect(batch.body).toEqual({ accepted: 2, duplicates: 1, rejected: [] });
    expect(await storedCount(projectId)).toBe(3);
  });

  it("answers 207 with per-item issues naming the field, storing the valid rest", async () => {
    const { projectId, key } = await newProject();
    const res = await postEvents(key, {
      events: [{ ...ev, id: "good" }, { ...ev, inputTokens: 1.5 }, { ...ev, outputTokens: "12" }],
    });
    expect(res.status).toBe(207);
    const rejected = res.body.rejected as Rejected;
    expect(rejected.map((r) => [r.index, r.issues[0]?.path])).toEqual([
      [1, "inputTokens"],
      [2, "outputTokens"],
    ]);
    expect(await storedCount(projectId)).toBe(1);
  });

  it("refuses missing, malformed, unknown and revoked keys with 401", async () => {
    const { projectId, key } = await newProject();
    expect((await postEvents(null, ev)).status).toBe(401);
    expect((await postEvents("not-a-key", ev)).status).toBe(401);
    expect((await postEvents(`acp_${"x".repeat(43)}`, ev)).status).toBe(401);
    const [row] = await testDb().db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.projectId, projectId));
    if (!row) throw new Error("key row missing");
    await revokeApiKey(testDb().db, row.id);
    const revoked = await postEvents(key, ev);
    expect(revoked.status).toBe(401);
    expect(revoked.body.message).toMatch(/revoked/);
    expect(await storedCount(projectId)).toBe(0);
  });

  it("rejects bodies that are not JSON, the wrong type, empty, too many or too big", async () => {
    const { projectId, key } = await newProject();
    const notJson = await postEvents(key, null, { raw: "{not json" });
    expect(notJson.status).toBe(400);
    expect(notJson.body.message).toMatch(/not valid JSON/);
    expect((await postEvents(key, null, { raw: '{"inputTokens": NaN}' })).status).toBe(400);
    const wrongType = await postEvents(key, ev, { contentType: "text/plain" });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.message).toMatch(/Content-Type/);
    const empty = await postEvents(key, { events: [] });
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.body.issues)).toMatch(/"path":"events"/);
    const tooMany = await postEvents(key, { events: Array.from({ length: 1001 }, () => ev) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toMatch(/at most 1000/);
    const big = await postEvents(key, null, { raw: JSON.stringify({ events: [{ ...ev, prompt: "x".repeat(6 * 1024 * 1024) }] }) });
    expect(big.status).toBe(413);
    expect((await postEvents(key, { events: "nope" })).status).toBe(400);
    expect((await postEvents(key, 42)).status).toBe(400);
    expect(await storedCount(projectId)).toBe(0);
  });

  it("names the field for each bad value and stores nothing when nothing is valid", async () => {
    const { projectId, key } = await newProject();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...ev, inputTokens: -5 }, "inputTokens"],
      [{ ...ev, inputTokens: 2.5 }, "inputTokens"],
      [{ ...ev, outputTokens: 1e12 }, "outputTokens"],
      [{ ...ev, cachedInputTokens: 101 }, "cachedInputTokens"],
      [{ ...ev, reasoningTokens: 21 }, "reasoningTokens"],
      [{ ...ev, timestamp: "yesterday-ish" }, "timestamp"],
      [{ ...ev, timestamp: "2031-01-01T00:00:00Z" }, "timestamp"],
      [{ ...ev, timestamp: "2019-01-01T00:00:00Z" }, "timestamp"],
      [{ ...ev, metadata: { blob: "m".repeat(9000) } }, "metadata"],
      [{ ...ev, metadata: [1, 2] }, "metadata"],
      [{ ...ev, costUsd: -1 }, "costUsd"],
      [{ ...ev, provider: "" }, "provider"],
      [{ ...ev, model: undefined }, "model"],
      [{ ...ev, id: "i".repeat(129) }, "id"],
      [{ ...ev, status: "maybe" }, "status"],
      [{ ...ev, latencyMs: -3 }, "latencyMs"],
    ];
    for (const [event, field] of cases) {
      const res = await postEvents(key, event);
      expect(res.status, `${field}: ${JSON.stringify(res.body)}`).toBe(400);
      const rejected = res.body.rejected as Rejected;
      expect(rejected[0]?.issues.map((i) => i.path)).toContain(field);
    }
    // 1e400 is Infinity once parsed: still a clean 400 naming the field.
    const inf = await postEvents(key, null, { raw: '{"provider":"openai","model":"m","inputTokens":1e400,"outputTokens":1}' });
    expect(inf.status).toBe(400);
    expect(JSON.stringify(inf.body)).toMatch(/inputTokens/);
    expect(await storedCount(projectId)).toBe(0);
  });

  it("ignores unknown fields, keeps epoch-millisecond timestamps and dedupes ids inside a batch", async () => {
    const { projectId, key } = await newProject();
    const ts = Date.UTC(2026, 10, 20, 12, 0, 0);
    const res = await postEvents(key, {
      events: [
        { ...ev, id: "same", timestamp: Math.min(ts, Date.now()), someFutureField: { x: 1 } },
        { ...ev, id: "same" },
      ],
    });
    expect(res.body).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    const [row] = await testDb().db.select().from(costEvents).where(eq(costEvents.projectId, projectId));
    expect(row?.ts.getTime()).toBe(Math.min(ts, Date.now()));
  });

  it("never leaks a stack trace and tags errors with a request id", async () => {
    const res = await postEvents(null, ev);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it("reports health", async () => {
    const res = await fetch(`${requireBaseUrl()}/api/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(body.db).toBe("ok");
    expect(["ok", "absent"]).toContain(body.redis);
  });
});

describeWithHttp("when PostgreSQL is down", () => {
  it("answers 503 with Retry-After and keeps running", async () => {
    const deadPort = await freePort(); // nothing listens there
    const app = await startAppServer({ DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPort}/none` }, { readyStatus: 503 });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${app.url}/api/v1/events`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer acp_${"a".repeat(43)}` },
          body: JSON.stringify(ev),
        });
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toBe("5");
        const body = (await res.json()) as { error: string };
        expect(body.error).toBe("service_unavailable");
      }
      expect(app.process.exitCode).toBeNull();
    } finally {
      await app.stop();
    }
  });
});
