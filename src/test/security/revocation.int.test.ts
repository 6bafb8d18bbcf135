// A revoked API key is refused at once everywhere it worked: ingestion, OTLP, tRPC and export —
// with no cache in between, and the per-key rate limit (which never reads the database)
// cannot bring it back: it only counts, the route still refuses.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createKey } from "~/features/settings/server";
import { apiKeys } from "~/server/db/schema";
import { browserHeaders, type TestProject, type TestUser, newOwnedProject } from "~/test/auth";
import { closeTestDb, describeWithHttp, postEvents, requireBaseUrl, testDb } from "~/test/integration";

let project: TestProject;
let owner: TestUser;
const EVENT = { provider: "openai", model: "gpt-4o-mini", inputTokens: 10, outputTokens: 5 };

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function everywhere(key: string): Promise<Record<string, number>> {
  const base = requireBaseUrl();
  const trpcInput = encodeURIComponent(JSON.stringify({ json: {} }));
  const [events, otlp, trpc, exported] = await Promise.all([
    postEvents(key, EVENT).then((r) => r.status),
    fetch(`${base}/api/v1/otlp/v1/traces`, { method: "POST", headers: { ...bearer(key), "content-type": "application/json" }, body: '{"resourceSpans":[]}' }).then((r) => r.status),
    fetch(`${base}/api/trpc/events.list?input=${trpcInput}`, { headers: bearer(key) }).then((r) => r.status),
    fetch(`${base}/api/export/events?format=ndjson`, { headers: bearer(key) }).then(async (r) => (await r.text(), r.status)),
  ]);
  return { events, otlp, trpc, exported };
}

describeWithHttp("API key revocation (HTTP)", () => {
  beforeAll(async () => ({ project, owner } = await newOwnedProject("revoke")));
  afterAll(closeTestDb);

  it("works until revoked from the dashboard, then every route answers 401 on the very next request", async () => {
    const { key } = await createKey(testDb().db, project.projectId, "to-revoke");
    expect(await everywhere(key)).toEqual({ events: 200, otlp: 200, trpc: 200, exported: 200 });
    const [row] = await testDb().db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.name, "to-revoke"));
    const revoke = await fetch(`${requireBaseUrl()}/api/trpc/keys.revoke`, {
      method: "POST",
      headers: { ...browserHeaders(owner, { origin: requireBaseUrl() }), "content-type": "application/json" },
      body: JSON.stringify({ json: { keyId: row?.id } }),
    });
    expect(revoke.status).toBe(200);
    expect(await everywhere(key)).toEqual({ events: 401, otlp: 401, trpc: 401, exported: 401 });
  });

  it("the rate limiter still counts a revoked key (rate-limit headers) but the route refuses it, every time", async () => {
    const { key } = await createKey(testDb().db, project.projectId, "revoked-and-hammered");
    expect((await postEvents(key, EVENT)).status).toBe(200);
    await testDb().db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.name, "revoked-and-hammered"));
    for (let i = 0; i < 5; i++) {
      const res = await postEvents(key, EVENT);
      expect(res.status).toBe(401);
      expect(res.headers.get("x-ratelimit-limit")).not.toBeNull();
    }
    const [count] = await testDb().sql<{ n: number }[]>`SELECT count(*)::int AS n FROM cost_events WHERE project_id = ${project.projectId}`;
    // Only the two events sent while the keys were valid.
    expect(count?.n).toBe(2);
  });
});
