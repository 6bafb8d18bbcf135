import net from "node:net";
import { describe, expect, it } from "vitest";
import { mostRestrictive, RateLimiter, rateLimitHeaders, retryAfterSeconds, withTimeout } from "./rate-limit";

const ok = (remaining: number, limit = 10) => ({ success: true, limit, remaining, reset: 7_200_000 });
const refused = (reset: number, limit = 10) => ({ success: false, limit, remaining: 0, reset });

describe("mostRestrictive", () => {
  it("prefers a refusal, then the fewest remaining, then the latest reset", () => {
    expect(mostRestrictive([ok(5), ok(2, 3)])).toEqual(ok(2, 3));
    expect(mostRestrictive([ok(0), refused(7_200_000, 50)])).toEqual(refused(7_200_000, 50));
    expect(mostRestrictive([refused(3_600_000), refused(7_200_000, 5)])).toEqual(refused(7_200_000, 5));
    expect(() => mostRestrictive([])).toThrow();
  });
});

describe("headers", () => {
  it("Reset is epoch seconds (rounded up) and Retry-After whole seconds, never 0", () => {
    expect(rateLimitHeaders({ success: true, limit: 10, remaining: 3, reset: 1_800_000_000_500 })).toEqual({
      "x-ratelimit-limit": "10",
      "x-ratelimit-remaining": "3",
      "x-ratelimit-reset": "1800000001",
    });
    expect(retryAfterSeconds(refused(10_000), 8_500)).toBe(2);
    expect(retryAfterSeconds(refused(10_000), 10_000)).toBe(1);
    expect(retryAfterSeconds(refused(10_000), 12_000)).toBe(1);
  });
});

describe("RateLimiter without Redis", () => {
  it("counts in process with the most restrictive subject deciding", async () => {
    const limiter = new RateLimiter({
      redis: null,
      prefix: "t",
      algorithm: "sliding",
      windowMs: 3_600_000,
      timeoutMs: 50,
      onStateChange: () => undefined,
    });
    expect(limiter.state).toBe("memory");
    const subjects = [
      { id: "ingest:ip:1.2.3.4", limit: 5 },
      { id: "ingest:key:k", limit: 2 },
    ];
    const a = await limiter.limit(subjects);
    const b = await limiter.limit(subjects);
    const c = await limiter.limit(subjects);
    expect([a, b, c].map((d) => [d.success, d.limit, d.remaining, d.source])).toEqual([
      [true, 2, 1, "memory"],
      [true, 2, 0, "memory"],
      [false, 2, 0, "memory"],
    ]);
    // The IP counter took the refused request too (both counters are checked at once).
    expect((await limiter.limit([{ id: "ingest:ip:1.2.3.4", limit: 5 }])).remaining).toBe(1);
  });
});

describe("withTimeout", () => {
  it("lets an answer that arrived while the event loop was blocked win over the overdue timer", async () => {
    const accepted: net.Socket[] = [];
    const server = net.createServer((socket) => {
      socket.on("error", () => undefined);
      accepted.push(socket);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    const socket = net.connect({ host: "127.0.0.1", port: typeof address === "object" && address ? address.port : 0 });
    socket.on("error", () => undefined);
    try {
      await new Promise((r) => socket.once("connect", r));
      while (accepted.length === 0) await new Promise((r) => setImmediate(r));
      const answer = new Promise((r) => socket.once("data", r));
      const raced = withTimeout(answer, 20);
      accepted[0]?.write("pong"); // into the kernel at once: the "Redis reply" is waiting for us
      // Block the loop well past the deadline, like a large JSON.parse or a GC pause.
      const until = performance.now() + 100;
      while (performance.now() < until) {
        // busy
      }
      await expect(raced).resolves.toBeDefined();
      await expect(withTimeout(new Promise(() => undefined), 20)).rejects.toThrow(/did not answer within 20 ms/);
    } finally {
      socket.destroy();
      for (const s of accepted) s.destroy();
      server.close();
    }
  });
});
