// The limiter against a real Redis 7 of its own: the @upstash/ratelimit adapter, one count shared by
// several limiters (app instances), and the fallback when that Redis stops, hangs and comes back.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { redisServerAvailable, startThrowawayRedis, type ThrowawayRedis } from "~/test/redis-server";
import { RateLimiter, type Decision } from "./rate-limit";
import { upstashOverIoredis } from "./upstash-ioredis";

const available = redisServerAvailable();
if (!available && process.env.CI === "true") throw new Error("redis-server is required under CI");
if (!available) console.warn("[skipped] rate limiter on a throw-away Redis: no redis-server binary");

const HOUR = 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The same options the app uses (src/server/redis.ts): fail fast, reconnect on a short schedule.
const client = (url: string) =>
  new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000, retryStrategy: (n) => Math.min(n * 100, 500) });

type Change = { state: "fallback" | "redis"; detail: Record<string, unknown> };

function limiterOn(redis: Redis, prefix: string, changes: Change[] = []) {
  return new RateLimiter({
    redis,
    prefix,
    algorithm: "sliding",
    windowMs: HOUR,
    timeoutMs: 50,
    probeIntervalMs: 100,
    onStateChange: (state, detail) => changes.push({ state, detail }),
  });
}

/** Waits (bounded) for the limiter to decide in Redis again, calling it as traffic would. */
async function untilRedis(limiter: RateLimiter, id: string, timeoutMs = 15_000): Promise<Decision> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const d = await limiter.limit([{ id, limit: 1000 }]);
    if (d.source === "redis") return d;
    await sleep(100);
  }
  throw new Error(`limiter still not on Redis after ${timeoutMs} ms`);
}

describe.skipIf(!available)("rate limiter on a throw-away Redis", () => {
  let server: ThrowawayRedis;
  const clients: Redis[] = [];
  const connect = async () => {
    const c = client(server.url);
    clients.push(c);
    if (c.status !== "ready") await new Promise((r) => c.once("ready", r));
    return c;
  };

  beforeAll(async () => {
    server = await startThrowawayRedis();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server.stop();
  });

  it("runs the library's scripts on Redis 7.0, which refuses their shebang as is", async () => {
    const redis = await connect();
    const withShebang = "#!lua flags=allow-key-locking\nreturn 1";
    const version = /redis_version:(\d+)\.(\d+)/.exec(await redis.info("server"));
    if (version && Number(version[1]) === 7 && Number(version[2]) < 2) {
      await expect(redis.eval(withShebang, 0)).rejects.toThrow(/shebang/i);
    }
    const adapter = upstashOverIoredis(redis);
    // Unknown SHA: the adapter says NOSCRIPT so the library falls back to eval.
    await expect(adapter.evalsha("0".repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
    expect(await adapter.eval(withShebang, [], [])).toBe(1);
  });

  it("allows exactly N, then refuses with the window's end as reset; scripts reload after SCRIPT FLUSH", async () => {
    const redis = await connect();
    const limiter = limiterOn(redis, `t${randomBytes(4).toString("hex")}`);
    const decisions: Decision[] = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.limit([{ id: "ingest:key:a", limit: 3 }]));
    expect(decisions.map((d) => [d.success, d.remaining, d.source])).toEqual([
      [true, 2, "redis"],
      [true, 1, "redis"],
      [true, 0, "redis"],
      [false, 0, "redis"],
    ]);
    const windowEnd = (Math.floor(Date.now() / HOUR) + 1) * HOUR;
    expect(decisions.every((d) => d.limit === 3 && Math.abs(d.reset - windowEnd) <= 1000)).toBe(true);
    await redis.script("FLUSH");
    const after = await limiter.limit([{ id: "ingest:key:b", limit: 3 }]);
    expect([after.success, after.remaining, after.source]).toEqual([true, 2, "redis"]);
  });

  it("sends the IP and key counters of one request to Redis as one pipeline", async () => {
    const redis = await connect();
    const limiter = limiterOn(redis, `t${randomBytes(4).toString("hex")}`);
    await limiter.limit([{ id: "warm", limit: 10 }]); // loads the script (NOSCRIPT, then EVAL)
    const pipelines = vi.spyOn(redis, "pipeline");
    const d = await limiter.limit([
      { id: "ingest:ip:1.2.3.4", limit: 10 },
      { id: "ingest:key:k", limit: 3 },
    ]);
    expect([d.source, d.limit, d.remaining]).toEqual(["redis", 3, 2]);
    expect(pipelines).toHaveBeenCalledTimes(1);
    expect(pipelines.mock.results[0]?.value).toMatchObject({ length: 2 });
    pipelines.mockRestore();
  });

  it("keeps one count for several limiters (app instances) on the same Redis", async () => {
    const prefix = `t${randomBytes(4).toString("hex")}`;
    const a = limiterOn(await connect(), prefix);
    const b = limiterOn(await connect(), prefix);
    const seen: boolean[] = [];
    for (let i = 0; i < 6; i++) seen.push((await (i % 2 ? b : a).limit([{ id: "ingest:ip:1.2.3.4", limit: 4 }])).success);
    expect(seen).toEqual([true, true, true, true, false, false]);
  });

  it("falls back at once when Redis stops, logs once, and returns to Redis when it is back", async () => {
    const redis = await connect();
    const changes: Change[] = [];
    const limiter = limiterOn(redis, `t${randomBytes(4).toString("hex")}`, changes);
    expect((await limiter.limit([{ id: "x", limit: 100 }])).source).toBe("redis");
    await server.stop();
    const before = { ...limiter.counters };
    const during: Decision[] = [];
    for (let i = 0; i < 20; i++) during.push(await limiter.limit([{ id: "y", limit: 5 }]));
    // No waiting on a dead socket (no decision ran into the deadline; at most the first one even
    // tried Redis) and the same arithmetic as Redis.
    expect(limiter.counters.timeouts).toBe(before.timeouts);
    expect(limiter.counters.redisAttempts - before.redisAttempts).toBeLessThanOrEqual(1);
    expect(during.every((d) => d.source === "memory")).toBe(true);
    expect(during.map((d) => d.success).filter(Boolean)).toHaveLength(5);
    expect(limiter.state).toBe("fallback");
    expect(changes.map((c) => c.state)).toEqual(["fallback"]);

    await server.start();
    const back = await untilRedis(limiter, "z");
    expect(back.remaining).toBe(999);
    for (let i = 0; i < 5; i++) await limiter.limit([{ id: "z", limit: 1000 }]);
    expect(changes.map((c) => c.state)).toEqual(["fallback", "redis"]);
    expect(limiter.state).toBe("redis");
  });

  it("stays on the fallback while Redis answers PING but refuses the scripts (no flapping), then recovers", async () => {
    const redis = await connect();
    const admin = await connect();
    const changes: Change[] = [];
    const limiter = limiterOn(redis, `t${randomBytes(4).toString("hex")}`, changes);
    expect((await limiter.limit([{ id: "x", limit: 100 }])).source).toBe("redis");
    // Out of memory: writes (our scripts) are refused, PING still answers.
    await admin.config("SET", "maxmemory-policy", "noeviction");
    await admin.config("SET", "maxmemory", "1");
    try {
      // Traffic until the limiter has probed Redis several times (each probe runs a real script
      // and fails): every decision stays in process and the state never flips back.
      const probesBefore = limiter.counters.probes;
      const deadline = Date.now() + 15_000;
      while (limiter.counters.probes - probesBefore < 4 && Date.now() < deadline) {
        expect((await limiter.limit([{ id: "y", limit: 100 }])).source).toBe("memory");
        await sleep(20);
      }
      expect(limiter.counters.probes - probesBefore).toBeGreaterThanOrEqual(4);
      expect(await redis.ping()).toBe("PONG");
      expect(changes.map((c) => c.state)).toEqual(["fallback"]);
    } finally {
      await admin.config("SET", "maxmemory", "0");
    }
    await untilRedis(limiter, "z");
    expect(changes.map((c) => c.state)).toEqual(["fallback", "redis"]);
  });

  it("treats a hung Redis as down after a few 50 ms timeouts, never waiting longer, and recovers", async () => {
    const redis = await connect();
    const changes: Change[] = [];
    const limiter = limiterOn(redis, `t${randomBytes(4).toString("hex")}`, changes);
    expect((await limiter.limit([{ id: "x", limit: 100 }])).source).toBe("redis");
    server.pause();
    try {
      const before = { ...limiter.counters };
      for (let i = 0; i < 10; i++) {
        const d = await limiter.limit([{ id: "y", limit: 100 }]);
        expect(d.source).toBe("memory");
      }
      // Three requests pay the 50 ms budget (each gives up at the deadline), then the breaker
      // answers the other seven in process without trying Redis at all.
      expect(limiter.counters.redisAttempts - before.redisAttempts).toBe(3);
      expect(limiter.counters.timeouts - before.timeouts).toBe(3);
      expect(changes.map((c) => c.state)).toEqual(["fallback"]);
    } finally {
      server.resume();
    }
    await untilRedis(limiter, "z");
    expect(changes.map((c) => c.state)).toEqual(["fallback", "redis"]);
  });
});
