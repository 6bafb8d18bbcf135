import { afterEach, describe, expect, it } from "vitest";
import { createProfiler } from "./profiler.js";
import type { ProfilerError, TrackEvent } from "./types.js";
import { startFakeIngest, type FakeIngest } from "./test/fake-ingest.js";

let server: FakeIngest | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const ev = (i: number): TrackEvent => ({ provider: "openai", model: "gpt-4o-mini", inputTokens: 100 + i, outputTokens: 10 });

describe("createProfiler", () => {
  it("batches at most batchSize events per request, with stable client ids", async () => {
    server = await startFakeIngest();
    const profiler = createProfiler({ apiKey: "acp_x", baseUrl: server.url, batchSize: 1000, flushOnExit: false });
    for (let i = 0; i < 2500; i++) profiler.track(ev(i));
    await profiler.flush();
    expect(server.batches.every((n) => n <= 1000)).toBe(true);
    expect(server.batches.reduce((a, b) => a + b, 0)).toBe(2500);
    expect(server.events.size).toBe(2500);
    const one = [...server.events.values()][0];
    expect(one?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof one?.timestamp).toBe("number");
    expect(profiler.stats()).toMatchObject({ tracked: 2500, delivered: 2500, pending: 0, dropped: 0 });
    await profiler.shutdown();
  });

  it("retries a lost answer with the same ids, so nothing is counted twice", async () => {
    // The first two requests are processed but their answers are lost (connection dropped).
    let processed = 0;
    server = await startFakeIngest();
    const inner = server;
    const flaky: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      processed += 1;
      if (processed <= 2) throw new TypeError("fetch failed (socket hang up)");
      return res;
    };
    const profiler = createProfiler({ apiKey: "acp_x", baseUrl: inner.url, batchSize: 50, retryBaseDelayMs: 1, fetch: flaky, flushOnExit: false });
    for (let i = 0; i < 120; i++) profiler.track(ev(i));
    await profiler.flush();
    expect(inner.events.size).toBe(120);
    // 120 events + the two lost batches of 50 sent again; the server stored each id once.
    expect(inner.batches.reduce((a, b) => a + b, 0)).toBe(220);
    expect(profiler.stats()).toMatchObject({ delivered: 120, failed: 0, retries: 2 });
  });

  it("drops the oldest events when the buffer is full, and counts them", async () => {
    server = await startFakeIngest();
    const errors: ProfilerError[] = [];
    const profiler = createProfiler({
      apiKey: "acp_x", baseUrl: server.url, batchSize: 1000, maxBufferSize: 100, flushIntervalMs: 60_000, flushOnExit: false,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 150; i++) profiler.track({ ...ev(i), id: `e${i}` });
    expect(profiler.droppedCount).toBe(50);
    await profiler.flush();
    expect([...server.events.keys()]).toEqual(Array.from({ length: 100 }, (_, i) => `e${i + 50}`));
    expect(errors).toMatchObject([{ kind: "dropped", count: 50 }]);
  });

  it("flushes on its own after flushIntervalMs", async () => {
    server = await startFakeIngest();
    const profiler = createProfiler({ apiKey: "acp_x", baseUrl: server.url, flushIntervalMs: 50, flushOnExit: false });
    profiler.track(ev(1));
    const deadline = Date.now() + 5000;
    while (server.events.size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(server.events.size).toBe(1);
    await profiler.shutdown();
  });

  it("never throws from track(), even for garbage, after shutdown or with a throwing onError", async () => {
    server = await startFakeIngest();
    const profiler = createProfiler({
      apiKey: "acp_x", baseUrl: server.url, flushOnExit: false,
      onError: () => {
        throw new Error("boom");
      },
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => profiler.track(null as unknown as TrackEvent)).not.toThrow();
    expect(() => profiler.track({ ...ev(1), metadata: cyclic })).not.toThrow();
    profiler.track(ev(2));
    await profiler.shutdown();
    expect(() => profiler.track(ev(3))).not.toThrow();
    expect(server.events.size).toBe(1);
    expect(profiler.stats()).toMatchObject({ tracked: 2, delivered: 1, failed: 1, dropped: 1, pending: 0 });
  });

  it("splits a request the server finds too large", async () => {
    server = await startFakeIngest();
    const inner = server;
    let calls = 0;
    const picky: typeof fetch = async (input, init) => {
      calls += 1;
      const body = typeof init?.body === "string" ? init.body : "";
      const n = (JSON.parse(body) as { events: unknown[] }).events.length;
      if (n > 10) return new Response('{"error":"payload_too_large"}', { status: 413 });
      return fetch(input, init);
    };
    const profiler = createProfiler({ apiKey: "acp_x", baseUrl: inner.url, batchSize: 40, fetch: picky, flushOnExit: false });
    for (let i = 0; i < 40; i++) profiler.track(ev(i));
    await profiler.flush();
    expect(inner.events.size).toBe(40);
    expect(inner.batches.every((n) => n <= 10)).toBe(true);
    expect(calls).toBeGreaterThan(4);
  });

  it("takes the feature from withFeature() across awaits, an explicit feature winning", async () => {
    server = await startFakeIngest();
    const profiler = createProfiler({ apiKey: "acp_x", baseUrl: server.url, defaultFeature: "app", flushOnExit: false });
    await profiler.withFeature("search", async () => {
      await new Promise((r) => setTimeout(r, 5));
      profiler.track({ ...ev(1), id: "a" });
      await profiler.withFeature("rerank", async () => {
        await Promise.resolve();
        profiler.track({ ...ev(2), id: "b" });
      });
      profiler.track({ ...ev(3), id: "c", feature: "explicit" });
    });
    profiler.track({ ...ev(4), id: "d" });
    await profiler.flush();
    const feature = (id: string) => server?.events.get(id)?.feature;
    expect(["a", "b", "c", "d"].map(feature)).toEqual(["search", "rerank", "explicit", "app"]);
  });

  it("applies withContext() (user, session, tags, metadata) across awaits; scopes nest, the event's values win", async () => {
    server = await startFakeIngest();
    const profiler = createProfiler({ apiKey: "acp_x", baseUrl: server.url, flushOnExit: false });
    await profiler.withContext({ userId: "u1", sessionId: "s1", tags: ["web"], metadata: { customer: "acme" } }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      profiler.track({ ...ev(1), id: "a" });
      await profiler.withContext({ tags: ["beta", "web"], metadata: { plan: "pro" }, feature: "chat" }, async () => {
        await Promise.resolve();
        profiler.track({ ...ev(2), id: "b", userId: "u2", tags: ["x"], metadata: { plan: "team" } });
      });
    });
    profiler.track({ ...ev(3), id: "c" });
    await profiler.flush();
    const get = (id: string) => server?.events.get(id);
    expect(get("a")).toMatchObject({ userId: "u1", sessionId: "s1", tags: ["web"], metadata: { customer: "acme" } });
    expect(get("b")).toMatchObject({ userId: "u2", sessionId: "s1", feature: "chat", tags: ["web", "beta", "x"], metadata: { customer: "acme", plan: "team" } });
    expect(get("c")?.userId).toBeUndefined();
    expect(get("c")?.tags).toBeUndefined();
  });

  it("cuts prompts to maxPromptChars", async () => {
    server = await startFakeIngest();
    const profiler = createProfiler({ apiKey: "acp_x", baseUrl: server.url, maxPromptChars: 100, flushOnExit: false });
    profiler.track({ ...ev(1), id: "p", prompt: "x".repeat(10_000) });
    await profiler.flush();
    expect(server.events.get("p")?.prompt).toBe("x".repeat(100));
  });

  it("refuses bad options at creation", () => {
    expect(() => createProfiler({ apiKey: "", baseUrl: "http://x" })).toThrow(/apiKey/);
    expect(() => createProfiler({ apiKey: "k", baseUrl: "x" })).toThrow(/baseUrl/);
    expect(() => createProfiler({ apiKey: "k", baseUrl: "http://x", batchSize: 1001 })).toThrow(/batchSize/);
  });
});
