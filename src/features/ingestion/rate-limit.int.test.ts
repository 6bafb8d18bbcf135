// Rate limits of the ingestion route over real HTTP (`next start`), on the shared Redis, on a Redis
// of our own that we stop and restart, and without Redis. Every server gets its own Redis key
// prefix, so no test shares a counter with another test or with the shared app server.
import { randomBytes } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { displayPrefix, generateApiKey } from "~/server/auth/api-keys";
import { costEvents } from "~/server/db/schema";
import { keyIdentity } from "~/server/rate-limit-rules";
import { startAppServer, type AppServer } from "~/test/app-server";
import { closeTestDb, describeWithHttp, newProject, redisUrl, testDb } from "~/test/integration";
import { redisServerAvailable, startThrowawayRedis, type ThrowawayRedis } from "~/test/redis-server";

afterAll(closeTestDb);

const HOUR = 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const prefix = () => `acp-test-rl-${randomBytes(4).toString("hex")}`;
const windowEnd = () => (Math.floor(Date.now() / HOUR) + 1) * HOUR;
/** A client address of its own per call (3 random bytes: collisions within a run are negligible). */
const ip = () => `100.${[...randomBytes(3)].join(".")}`;

/** Counts start at the top of an hour: never begin a counting test in its last seconds. */
async function awayFromWindowEdge(): Promise<void> {
  const left = windowEnd() - Date.now();
  if (left < 10_000) await sleep(left + 200);
}

type Sent = { status: number; headers: Headers; body: Record<string, unknown> };

async function send(server: AppServer, o: { key?: string; xff?: string; requestId?: string } = {}): Promise<Sent> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (o.key) headers.authorization = `Bearer ${o.key}`;
  if (o.xff) headers["x-forwarded-for"] = o.xff;
  if (o.requestId) headers["x-request-id"] = o.requestId;
  const event = { id: randomBytes(6).toString("hex"), provider: "openai", model: "gpt-4o-mini", inputTokens: 10, outputTokens: 2 };
  const res = await fetch(`${server.url}/api/v1/events`, { method: "POST", headers, body: JSON.stringify(event), signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> };
}

const limitOf = (r: Sent) => [r.status, r.headers.get("x-ratelimit-limit"), r.headers.get("x-ratelimit-remaining")];

async function stored(projectId: string): Promise<number> {
  const rows = await testDb().db.select({ n: sql<number>`count(*)::int` }).from(costEvents).where(eq(costEvents.projectId, projectId));
  return rows[0]?.n ?? -1;
}

async function health(server: AppServer): Promise<{ redis: unknown }> {
  const res = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { redis: unknown };
  return { redis: body.redis };
}

const start = (env: Record<string, string>) => startAppServer({ DATABASE_URL: inject("pgUrl") ?? "", ...env });

describeWithHttp("rate limits over HTTP on the shared Redis", () => {
  const servers: AppServer[] = [];
  let trusted: AppServer, untrusted: AppServer, hops: AppServer, a: AppServer, b: AppServer;
  let low: Awaited<ReturnType<typeof newProject>>, high: Awaited<ReturnType<typeof newProject>>;

  beforeAll(async () => {
    if (!redisUrl) return;
    [low, high] = await Promise.all([newProject("rl-low"), newProject("rl-high")]);
    const shared = { REDIS_URL: redisUrl };
    const twins = { ...shared, RATE_LIMIT_EVENTS_PER_HOUR: "6", RATE_LIMIT_PREFIX: prefix() };
    servers.push(
      ...(await Promise.all([
        start({
          ...shared,
          RATE_LIMIT_EVENTS_PER_HOUR: "5",
          RATE_LIMIT_PREFIX: prefix(),
          TRUSTED_PROXIES: "127.0.0.1/32",
          RATE_LIMIT_KEY_OVERRIDES: `${displayPrefix(low.key)}=3,${displayPrefix(high.key)}=8`,
        }),
        start({ ...shared, RATE_LIMIT_EVENTS_PER_HOUR: "3", RATE_LIMIT_PREFIX: prefix() }),
        start({ ...shared, RATE_LIMIT_EVENTS_PER_HOUR: "2", RATE_LIMIT_PREFIX: prefix(), TRUSTED_PROXIES: "1" }),
        start(twins),
        start(twins),
      ])),
    );
    [trusted, untrusted, hops, a, b] = servers as [AppServer, AppServer, AppServer, AppServer, AppServer];
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it.skipIf(!redisUrl)("allows exactly N, then answers 429 rate_limited with Retry-After and the headers", async () => {
    await awayFromWindowEdge();
    const { projectId, key } = await newProject("rl");
    const client = ip();
    const end = windowEnd();
    for (let i = 0; i < 5; i++) {
      const r = await send(trusted, { key, xff: client, requestId: `req-${i}` });
      expect(limitOf(r)).toEqual([200, "5", String(4 - i)]);
      expect(r.headers.get("x-ratelimit-reset")).toBe(String(end / 1000));
      expect(r.headers.get("x-request-id")).toBe(`req-${i}`);
    }
    const refused = await send(trusted, { key, xff: client });
    expect(limitOf(refused)).toEqual([429, "5", "0"]);
    expect(refused.body).toMatchObject({ error: "rate_limited", retryAfter: Number(refused.headers.get("retry-after")) });
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(Math.abs(retryAfter - (end - Date.now()) / 1000)).toBeLessThan(3);
    expect(refused.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await stored(projectId)).toBe(5); // the refused request never reached the route
  });

  it.skipIf(!redisUrl)("counts a key across IPs and an IP across keys, independently", async () => {
    await awayFromWindowEdge();
    const { key } = await newProject("rl");
    // One key from five addresses: the key's budget is spent, each address has used one request.
    for (let i = 0; i < 5; i++) expect(limitOf(await send(trusted, { key, xff: ip() }))).toEqual([200, "5", String(4 - i)]);
    const fresh = ip();
    expect(limitOf(await send(trusted, { key, xff: fresh }))).toEqual([429, "5", "0"]);
    // Another key from that address passes; the refused request above still counted for the address.
    expect(limitOf(await send(trusted, { key: (await newProject("rl")).key, xff: fresh }))).toEqual([200, "5", "3"]);
    // One address with five different keys (unknown keys: 401, but counted): the address is spent.
    const busy = ip();
    for (let i = 0; i < 5; i++) expect(limitOf(await send(trusted, { key: generateApiKey(), xff: busy }))).toEqual([401, "5", String(4 - i)]);
    expect(limitOf(await send(trusted, { key: generateApiKey(), xff: busy }))).toEqual([429, "5", "0"]);
    expect(limitOf(await send(trusted, { xff: busy }))).toEqual([429, "5", "0"]); // no key: the IP limit alone
  });

  it.skipIf(!redisUrl)("applies per-key overrides by display prefix, a higher one lifting the IP limit for that key", async () => {
    await awayFromWindowEdge();
    const lowIp = ip();
    for (let i = 0; i < 3; i++) expect(limitOf(await send(trusted, { key: low.key, xff: lowIp }))).toEqual([200, "3", String(2 - i)]);
    expect(limitOf(await send(trusted, { key: low.key, xff: ip() }))).toEqual([429, "3", "0"]);
    const highIp = ip();
    for (let i = 0; i < 8; i++) expect(limitOf(await send(trusted, { key: high.key, xff: highIp }))).toEqual([200, "8", String(7 - i)]);
    expect(limitOf(await send(trusted, { key: high.key, xff: highIp }))).toEqual([429, "8", "0"]);
    expect(limitOf(await send(trusted, { xff: highIp }))).toEqual([429, "5", "0"]); // other traffic keeps the default
  });

  it.skipIf(!redisUrl)("believes X-Forwarded-For only as far as TRUSTED_PROXIES says", async () => {
    await awayFromWindowEdge();
    // CIDRs: the peer 127.0.0.1 is trusted, so the entry it forwarded is the client; spoofed
    // entries further left are never reached.
    const client = ip();
    for (let i = 0; i < 5; i++) expect((await send(trusted, { xff: `${ip()}, ${client}` })).status).toBe(401);
    expect(limitOf(await send(trusted, { xff: `${ip()}, ${client}` }))).toEqual([429, "5", "0"]);
    // Hop count 1: the same, whatever the client prepends.
    const viaHop = ip();
    for (let i = 0; i < 2; i++) expect(limitOf(await send(hops, { xff: `${ip()}, ${viaHop}` }))).toEqual([401, "2", String(1 - i)]);
    expect((await send(hops, { xff: `${ip()}, ${viaHop}` })).status).toBe(429);
    expect((await send(hops, { xff: ip() })).status).toBe(401);
  });

  it.skipIf(!redisUrl)("ignores a spoofed X-Forwarded-For without TRUSTED_PROXIES: the socket address counts", async () => {
    await awayFromWindowEdge();
    for (let i = 0; i < 3; i++) expect(limitOf(await send(untrusted, { xff: ip() }))).toEqual([401, "3", String(2 - i)]);
    expect(limitOf(await send(untrusted, { xff: ip() }))).toEqual([429, "3", "0"]);
    expect((await send(untrusted, { xff: "127.0.0.2" })).status).toBe(429);
  });

  it.skipIf(!redisUrl)("enforces one global limit across two instances sharing Redis", async () => {
    await awayFromWindowEdge();
    const { key } = await newProject("rl");
    const seen = [];
    for (let i = 0; i < 8; i++) seen.push(limitOf(await send(i % 2 ? b : a, { key })));
    expect(seen).toEqual([
      ...[5, 4, 3, 2, 1, 0].map((left) => [200, "6", String(left)]),
      [429, "6", "0"],
      [429, "6", "0"],
    ]);
  });

  it.skipIf(!redisUrl)("leaves routes outside the matcher alone", async () => {
    const res = await fetch(`${trusted.url}/api/health`);
    expect(res.headers.get("x-ratelimit-limit")).toBeNull();
  });
});

describeWithHttp("rate limits without Redis", () => {
  let embedded: AppServer, off: AppServer;
  beforeAll(async () => {
    [embedded, off] = await Promise.all([
      start({ REDIS_URL: "", RATE_LIMIT_EVENTS_PER_HOUR: "3" }),
      start({ REDIS_URL: "", RATE_LIMIT_EVENTS_PER_HOUR: "1", RATE_LIMIT_DISABLED: "1" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([embedded.stop(), off.stop()]);
  });

  it("counts in process with the same headers when REDIS_URL is unset", async () => {
    await awayFromWindowEdge();
    expect((await health(embedded)).redis).toBe("absent");
    const { key } = await newProject("rl");
    for (let i = 0; i < 3; i++) expect(limitOf(await send(embedded, { key }))).toEqual([200, "3", String(2 - i)]);
    const refused = await send(embedded, { key });
    expect(limitOf(refused)).toEqual([429, "3", "0"]);
    expect(refused.headers.get("x-ratelimit-reset")).toBe(String(windowEnd() / 1000));
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("RATE_LIMIT_DISABLED=1 counts nothing but still sets x-request-id", async () => {
    const { key } = await newProject("rl");
    for (let i = 0; i < 3; i++) {
      const r = await send(off, { key });
      expect([r.status, r.headers.get("x-ratelimit-limit")]).toEqual([200, null]);
      expect(r.headers.get("x-request-id")).toBeTruthy();
    }
  });
});

const haveRedisServer = redisServerAvailable();
if (!haveRedisServer && process.env.CI === "true") throw new Error("redis-server is required under CI");

describeWithHttp("rate limits while Redis goes away and comes back", () => {
  let redis: ThrowawayRedis, server: AppServer, probe: Redis;
  const rlPrefix = prefix();
  const counter = async (key: string) => {
    const value = await probe.get(`${rlPrefix}:ingest:key:${keyIdentity(key)}:${Math.floor(Date.now() / HOUR)}`);
    return value === null ? null : Number(value);
  };

  beforeAll(async () => {
    if (!haveRedisServer) return;
    redis = await startThrowawayRedis();
    probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    probe.on("error", () => undefined); // it reconnects by itself after the planned outage
    server = await start({ REDIS_URL: redis.url, RATE_LIMIT_EVENTS_PER_HOUR: "4", RATE_LIMIT_PREFIX: rlPrefix, TRUSTED_PROXIES: "127.0.0.1" });
  });
  afterAll(async () => {
    probe?.disconnect();
    await server?.stop();
    await redis?.stop();
  });

  it.skipIf(!haveRedisServer)("keeps serving through the in-process fallback, reports redis down, then recovers", async () => {
    await awayFromWindowEdge();
    const [k1, k2, k4] = await Promise.all([newProject("rl"), newProject("rl"), newProject("rl")]);
    expect((await health(server)).redis).toBe("ok");
    const before = ip();
    for (let i = 0; i < 2; i++) expect(limitOf(await send(server, { key: k1.key, xff: before }))).toEqual([200, "4", String(3 - i)]);
    expect(await counter(k1.key)).toBe(2);

    await redis.stop();
    const during = ip();
    const served: Sent[] = [];
    for (let i = 0; i < 5; i++) served.push(await send(server, { key: k2.key, xff: during }));
    // Same arithmetic and headers from process memory (that nobody waits on the dead Redis is
    // proven by the limiter's own counters in src/server/rate-limit.int.test.ts).
    expect(served.map(limitOf)).toEqual([...[3, 2, 1, 0].map((left) => [200, "4", String(left)]), [429, "4", "0"]]);
    expect((await health(server)).redis).toBe("down");
    expect(await stored(k2.projectId)).toBe(4);

    await redis.start();
    const deadline = Date.now() + 20_000;
    while ((await health(server)).redis !== "ok" && Date.now() < deadline) await sleep(200);
    expect((await health(server)).redis).toBe("ok");
    // Traffic lets the limiter notice (it probes Redis at most once a second while falling back).
    let back = false;
    while (!back && Date.now() < deadline) {
      const key = generateApiKey();
      await send(server, { key, xff: ip() });
      back = (await counter(key)) === 1;
      if (!back) await sleep(250);
    }
    expect(back).toBe(true);
    const after = ip();
    for (let i = 0; i < 3; i++) expect(limitOf(await send(server, { key: k4.key, xff: after }))).toEqual([200, "4", String(3 - i)]);
    expect(await counter(k4.key)).toBe(3);
  });
});
