// API keys answered from each instance's cache: a revocation on one instance reaches the others
// at once through Redis, and an instance whose revocation feed is down looks keys up instead.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { createKey } from "~/features/settings/server";
import { apiKeys } from "~/server/db/schema";
import { browserHeaders, newSignedInUser, type TestUser } from "~/test/auth";
import { startAppServer, type AppServer } from "~/test/app-server";
import { closeTestDb, describeWithHttp, newProject, redisUrl, testDb } from "~/test/integration";

const start = (env: Record<string, string>) =>
  startAppServer({ DATABASE_URL: inject("pgUrl") ?? "", RATE_LIMIT_LOGIN_PER_15_MIN: "100000000", ...env });
const listInput = encodeURIComponent(JSON.stringify({ json: { limit: 1 } }));
const list = (server: AppServer, key: string) =>
  fetch(`${server.url}/api/trpc/events.list?input=${listInput}`, { headers: { authorization: `Bearer ${key}` } }).then(async (r) => (await r.text(), r.status));

describeWithHttp("API key cache and revocations across instances", () => {
  let a: AppServer, b: AppServer, blind: AppServer;
  let project: Awaited<ReturnType<typeof newProject>>;
  let owner: TestUser;

  beforeAll(async () => {
    if (!redisUrl) throw new Error("these tests need Redis (TEST_REDIS_URL)");
    project = await newProject("revocations");
    // Two instances on the shared Redis, and one whose Redis is unreachable (its feed is down).
    [a, b, blind] = await Promise.all([start({ REDIS_URL: redisUrl }), start({ REDIS_URL: redisUrl }), start({ REDIS_URL: "redis://127.0.0.1:1" })]);
    owner = await newSignedInUser({ projectId: project.projectId, role: "owner" }, a.url);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), blind?.stop()]);
    await closeTestDb();
  });

  async function revokeOnA(name: string) {
    const [row] = await testDb().db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.name, name));
    const res = await fetch(`${a.url}/api/trpc/keys.revoke`, {
      method: "POST",
      headers: { ...browserHeaders(owner, { origin: a.url }), "content-type": "application/json" },
      body: JSON.stringify({ json: { keyId: row?.id } }),
    });
    expect(res.status).toBe(200);
  }

  it("a key revoked on one instance is refused by the others on their next request", async () => {
    const { key } = await createKey(testDb().db, project.projectId, "cached-then-revoked");
    // Used on B and on the blind instance: B now answers it from its cache.
    expect([await list(b, key), await list(b, key), await list(blind, key)]).toEqual([200, 200, 200]);
    await revokeOnA("cached-then-revoked");
    // Redis delivers the message to B's subscription within milliseconds of the publish.
    await new Promise((r) => setTimeout(r, 200));
    expect([await list(b, key), await list(a, key), await list(blind, key)]).toEqual([401, 401, 401]);
  });

  it("a key revoked behind the app's back (SQL) is still refused at once where the feed is down", async () => {
    const { key } = await createKey(testDb().db, project.projectId, "revoked-in-sql");
    expect([await list(b, key), await list(blind, key)]).toEqual([200, 200]);
    await testDb().db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.name, "revoked-in-sql"));
    // The blind instance trusts no cache: it looked the key up again.
    expect(await list(blind, key)).toBe(401);
    // B trusts its cache for up to a minute after a revocation that bypassed the app (documented).
    expect(await list(b, key)).toBe(200);
  });
});
