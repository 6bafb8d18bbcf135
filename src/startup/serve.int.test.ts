// The production server (scripts/serve.mjs) calls the API route handlers itself instead of going
// through Next's request path. Its answers must be Next's: the same requests to it and to a plain
// `next start` on the same database give the same status, body and headers, whether the route
// handles the method itself or Next does (405, OPTIONS, an unknown path).
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startAppServer, type AppServer } from "~/test/app-server";
import { closeTestDb, describeWithHttp, newProject, pgUrl, postEvents, redisUrl, requireBaseUrl } from "~/test/integration";

type Probe = { method: string; path: string; key?: boolean; body?: string; headers?: Record<string, string> };
type Answer = { status: number; headers: Record<string, string>; body: string };

// What legitimately differs between two servers or two moments.
const VOLATILE = new Set(["date", "connection", "keep-alive", "transfer-encoding", "x-ratelimit-remaining", "x-ratelimit-reset"]);

const trpcInput = (input: unknown) => encodeURIComponent(JSON.stringify({ json: input }));

let reference: AppServer;
let project: { projectId: string; key: string };

async function ask(base: string, p: Probe): Promise<Answer> {
  const headers: Record<string, string> = { "x-request-id": "serve-test", "accept-encoding": "identity", ...p.headers };
  if (p.key) headers.authorization = `Bearer ${project.key}`;
  if (p.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${p.path}`, { method: p.method, headers, body: p.body, redirect: "manual" });
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (VOLATILE.has(name)) return;
    // Next adds its page-router tokens to Vary on every answer; an API answer varies only by encoding.
    if (name === "vary") {
      const kept = value.split(",").map((v) => v.trim().toLowerCase()).filter((v) => !v.startsWith("rsc") && !v.startsWith("next-router"));
      if (kept.length > 0) out[name] = kept.join(", ");
      return;
    }
    out[name] = value;
  });
  // The one place a server's own address shows: the OpenAPI document's `servers` (Next names itself
  // localhost; the production server the Host the client used).
  const body = (await res.text()).replaceAll(/http:\/\/(localhost|127\.0\.0\.1):\d+/g, "<origin>");
  return { status: res.status, headers: out, body };
}

describeWithHttp("production server: API routes called directly, answering as Next does", () => {
  beforeAll(async () => {
    project = await newProject("serve");
    const events = Array.from({ length: 30 }, (_, i) => ({
      id: `serve-${i}`,
      timestamp: new Date(Date.UTC(2026, 0, 1 + (i % 5), i)).toISOString(),
      provider: "openai",
      model: i % 2 ? "gpt-4o-mini" : "gpt-4o",
      feature: `f${i % 3}`,
      inputTokens: 100 + i,
      outputTokens: 10 + i,
      prompt: `prompt ${i % 4}`,
    }));
    expect((await postEvents(project.key, { events })).status).toBe(200);
    // The same database, Redis and limits as the shared server, served by `next start` itself.
    reference = await startAppServer(
      {
        DATABASE_URL: pgUrl ?? "",
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
        RATE_LIMIT_EVENTS_PER_HOUR: "100000000",
        RATE_LIMIT_LOGIN_PER_15_MIN: "100000000",
        LOG_LEVEL: "warn",
      },
      { plainNext: true },
    );
  }, 90_000);
  afterAll(async () => {
    await reference?.stop();
    await closeTestDb();
  });

  const range = { from: "2026-01-01T00:00:00.000Z", to: "2026-01-08T00:00:00.000Z" };
  const probes: Probe[] = [
    { method: "GET", path: "/api/health" },
    { method: "GET", path: "/api/openapi.json" },
    { method: "POST", path: "/api/v1/events", body: "{}" },
    { method: "POST", path: "/api/v1/events", key: true, body: "{}" },
    { method: "POST", path: "/api/v1/events", key: true, body: "{not json" },
    { method: "POST", path: "/api/v1/events", key: true, body: JSON.stringify({ id: "serve-0", provider: "openai", model: "gpt-4o", inputTokens: 1, outputTokens: 1 }) },
    { method: "POST", path: "/api/v1/events", key: true, body: JSON.stringify({ events: [{ id: "serve-1", provider: "openai", model: "gpt-4o", inputTokens: 1, outputTokens: 1 }, { provider: "openai" }] }) },
    { method: "GET", path: "/api/v1/events" },
    { method: "OPTIONS", path: "/api/v1/events" },
    { method: "DELETE", path: "/api/health" },
    { method: "GET", path: `/api/trpc/events.list?input=${trpcInput({ limit: 7, ...range })}`, key: true },
    { method: "GET", path: `/api/trpc/features.list?input=${trpcInput(range)}`, key: true },
    { method: "GET", path: `/api/trpc/events.list?input=${trpcInput({ limit: 0 })}`, key: true },
    { method: "GET", path: "/api/trpc/no.such.procedure", key: true },
    { method: "GET", path: "/api/trpc/events.list" },
    { method: "GET", path: `/api/export/events?format=csv&from=${range.from}&to=${range.to}`, key: true },
    { method: "GET", path: `/api/export/models?format=ndjson&from=${range.from}&to=${range.to}`, key: true },
    { method: "HEAD", path: "/api/export/models?format=ndjson", key: true },
    { method: "GET", path: "/api/export/teams", key: true },
    { method: "GET", path: "/api/export/%E0%A4%A", key: true },
    { method: "GET", path: "/api/trpc/%ZZ", key: true },
    { method: "GET", path: "/api/health/" },
    { method: "GET", path: "/api/v1/budgets/status", key: true },
    { method: "POST", path: "/api/v1/otlp/v1/traces", key: true, body: "{}" },
    { method: "GET", path: "/api/no-such-route" },
    { method: "GET", path: "/api/auth/get-session" },
  ];

  it("answers every probe with Next's status, body and headers", async () => {
    for (const probe of probes) {
      const label = `${probe.method} ${probe.path}${probe.key ? " (key)" : ""}${probe.body ? ` ${probe.body.slice(0, 40)}` : ""}`;
      const [direct, viaNext] = [await ask(requireBaseUrl(), probe), await ask(reference.url, probe)];
      expect(direct.status, label).toBe(viaNext.status);
      expect(direct.body, label).toBe(viaNext.body);
      expect(direct.headers, label).toEqual(viaNext.headers);
    }
  });

  it("gzips an API answer when the client accepts it, as Next does", async () => {
    const path = `/api/trpc/events.list?input=${trpcInput({ limit: 30, ...range })}`;
    const plain = await ask(requireBaseUrl(), { method: "GET", path, key: true });
    for (const base of [requireBaseUrl(), reference.url]) {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${project.key}`, "accept-encoding": "gzip" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-encoding"), base).toBe("gzip");
      expect(res.headers.get("vary")?.toLowerCase(), base).toContain("accept-encoding");
      // fetch undoes the encoding; the bytes as sent are checked through a raw gunzip too.
      expect(await res.text()).toBe(plain.body);
    }
    const raw = await rawGet(`${requireBaseUrl()}${path}`, { authorization: `Bearer ${project.key}`, "accept-encoding": "gzip" });
    expect(gunzipSync(raw).toString("utf8")).toBe(plain.body);
  });

  it("serves the API itself: no page-router Vary tokens from Next's request path on its answers", async () => {
    // The one mark Next's path leaves on an API answer (the probes above drop it to compare).
    for (const path of ["/api/health", "/api/trpc/events.list"]) {
      const direct = await fetch(`${requireBaseUrl()}${path}`, { headers: { "accept-encoding": "identity" } });
      const viaNext = await fetch(`${reference.url}${path}`, { headers: { "accept-encoding": "identity" } });
      expect(viaNext.headers.get("vary"), path).toMatch(/next-router-state-tree/);
      expect(direct.headers.get("vary") ?? "", path).not.toMatch(/rsc|next-router/);
    }
  });

  it("keeps a keep-alive connection usable after answering before the body was read (413), read or not", async () => {
    const http = await import("node:http");
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const big = JSON.stringify({ events: [{ provider: "openai", model: "m", inputTokens: 1, outputTokens: 1, prompt: "x".repeat(6 * 1024 * 1024) }] });
    const send = (path: string, body?: string) =>
      new Promise<{ status: number; socket: unknown }>((resolve, reject) => {
        const req = http.request(`${requireBaseUrl()}${path}`, {
          agent,
          method: body === undefined ? "GET" : "POST",
          headers: { authorization: `Bearer ${project.key}`, "content-type": "application/json", ...(body === undefined ? {} : { "content-length": Buffer.byteLength(body) }) },
        }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, socket: req.socket }));
        });
        req.on("error", reject);
        req.end(body);
      });
    try {
      // The events route refuses on the declared length (body never read); tRPC past its cap (read, then cancelled).
      const refused = await send("/api/v1/events", big);
      expect(refused.status).toBe(413);
      const after = await send("/api/health");
      expect(after.status).toBe(200);
      expect(after.socket, "the same connection").toBe(refused.socket);
      const capped = await send("/api/trpc/events.list", JSON.stringify({ json: { limit: 10, feature: "x".repeat(2 * 1024 * 1024) } }));
      expect(capped.status).toBe(413);
      expect((await send("/api/health")).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it("leaves pages to Next: the dashboard's sign-in page still gets the proxy's nonce policy", async () => {
    const res = await fetch(`${requireBaseUrl()}/sign-in`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/'nonce-[^']+'/);
  });
});

/** The response body exactly as sent (node:http does not decode it). */
async function rawGet(url: string, headers: Record<string, string>): Promise<Buffer> {
  const http = await import("node:http");
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks)));
      res.on("error", reject);
    }).on("error", reject);
  });
}
