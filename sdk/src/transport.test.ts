import { afterEach, describe, expect, it } from "vitest";
import { backoffDelay, parseRetryAfter, sendBatch, type TransportConfig } from "./transport.js";
import type { ProfilerError } from "./types.js";
import { startStub, type Stub, type StubReply } from "./test/http-stub.js";

let stub: Stub | null = null;
afterEach(async () => {
  await stub?.close();
  stub = null;
});

function config(url: string, over: Partial<TransportConfig> = {}) {
  const errors: ProfilerError[] = [];
  const waits: number[] = [];
  const cfg: TransportConfig = {
    url: `${url}/api/v1/events`,
    apiKey: "acp_test",
    fetch: globalThis.fetch,
    maxRetries: 3,
    baseDelayMs: 100,
    maxDelayMs: 5000,
    timeoutMs: 2000,
    report: (e) => errors.push(e),
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    ...over,
  };
  return { cfg, errors, waits };
}

const ok: StubReply = { status: 200, json: { accepted: 2, duplicates: 0, rejected: [] } };

describe("parseRetryAfter / backoffDelay", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
  });

  it("grows exponentially under a cap, with full jitter", () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, 100, 500, () => 0.999))).toEqual([99, 199, 399, 499]);
    expect(backoffDelay(5, 100, 500, () => 0)).toBe(0);
  });
});

describe("sendBatch", () => {
  it("sends the key and the body, and counts a 200 as delivered", async () => {
    stub = await startStub(() => ok);
    const { cfg, errors } = config(stub.url);
    const out = await sendBatch(cfg, '{"events":[{},{}]}', 2);
    expect(out).toMatchObject({ delivered: 2, failed: 0, requests: 1, retries: 0 });
    expect(stub.requests[0]?.headers.authorization).toBe("Bearer acp_test");
    expect(stub.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(errors).toEqual([]);
  });

  it("retries 5xx, 429 (waiting Retry-After) and dropped connections, then delivers", async () => {
    const replies: StubReply[] = [
      { status: 503, json: { error: "service_unavailable" }, headers: { "retry-after": "1" } },
      { status: 429, json: { error: "rate_limited" }, headers: { "retry-after": "2" } },
      { destroy: true },
      ok,
    ];
    stub = await startStub((_req, i) => replies[i] ?? ok);
    const { cfg, waits, errors } = config(stub.url);
    const out = await sendBatch(cfg, '{"events":[{},{}]}', 2);
    expect(out).toMatchObject({ delivered: 2, requests: 4, retries: 3 });
    // Retry-After is a floor; jitter (random 0.5 × base 100) on top; then plain backoff (0.5 × 400).
    expect(waits).toEqual([1050, 2050, 200]);
    expect(errors).toEqual([]);
    expect(new Set(stub.requests.map((r) => r.body)).size).toBe(1); // identical body: same ids
  });

  it("never retries a 4xx other than 429, and reports it", async () => {
    stub = await startStub(() => ({ status: 401, json: { error: "unauthorized", message: "invalid or revoked API key" } }));
    const { cfg, errors } = config(stub.url);
    const out = await sendBatch(cfg, '{"events":[{},{}]}', 2);
    expect(out).toMatchObject({ delivered: 0, failed: 2, requests: 1 });
    expect(errors).toMatchObject([{ kind: "http", status: 401, count: 2 }]);
    expect(errors[0]?.message).toMatch(/revoked/);
  });

  it("gives up after maxRetries and says why", async () => {
    stub = await startStub(() => ({ status: 500, json: {} }));
    const { cfg, errors } = config(stub.url, { maxRetries: 2 });
    const out = await sendBatch(cfg, '{"events":[{}]}', 1);
    expect(out).toMatchObject({ failed: 1, requests: 3, retries: 2 });
    expect(errors).toMatchObject([{ kind: "gave_up", count: 1 }]);
    expect(errors[0]?.message).toMatch(/HTTP 500/);
  });

  it("reports events the server rejected in a 207 and asks to split on 413", async () => {
    const replies: StubReply[] = [
      { status: 207, json: { accepted: 1, duplicates: 0, rejected: [{ index: 1, issues: [{ path: "model", message: "required" }] }] } },
      { status: 413, json: { error: "payload_too_large" } },
    ];
    stub = await startStub((_req, i) => replies[i] ?? ok);
    const { cfg, errors } = config(stub.url);
    expect(await sendBatch(cfg, "{}", 2)).toMatchObject({ delivered: 1, failed: 1 });
    expect(errors).toMatchObject([{ kind: "rejected", count: 1, status: 207 }]);
    expect(await sendBatch(cfg, "{}", 2)).toMatchObject({ tooLarge: true });
  });

  it("times out a request that hangs and retries it", async () => {
    stub = await startStub(async (_req, i) => {
      if (i === 0) await new Promise((r) => setTimeout(r, 1000));
      return ok;
    });
    const { cfg } = config(stub.url, { timeoutMs: 100 });
    const out = await sendBatch(cfg, '{"events":[{},{}]}', 2);
    expect(out).toMatchObject({ delivered: 2, retries: 1 });
  });
});
