// Issue 18 over real HTTP: what an API client sends cannot break a later read or the route itself.
// Deep nesting is refused with a 4xx naming the field; gzip/deflate bodies are accepted under the
// same 5 MiB cap (after decompression); costUsd cannot exceed its maximum by rounding.
import { gzipSync, deflateSync } from "node:zlib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { closeTestDb, describeWithHttp, newProject, postEvents, requireBaseUrl } from "~/test/integration";
import { MAX_BODY_BYTES } from "./schemas";

let project: Awaited<ReturnType<typeof newProject>>;
const base = { provider: "openai", model: "gpt-4o-mini", inputTokens: 10, outputTokens: 5 };
const nested = (depth: number) => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`) as unknown;

async function listEvents(key: string) {
  const input = encodeURIComponent(JSON.stringify({ json: { limit: 100 } }));
  return fetch(`${requireBaseUrl()}/api/trpc/events.list?input=${input}`, { headers: { authorization: `Bearer ${key}` } });
}

function post(key: string, body: Buffer | string, headers: Record<string, string>) {
  return fetch(`${requireBaseUrl()}/api/v1/events`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
}

describeWithHttp("hostile input to the events route (issue 18)", () => {
  beforeAll(async () => {
    project = await newProject("hostile");
  });
  afterAll(closeTestDb);

  it("metadata nested deeply but under 8 KiB is refused naming metadata, and the Events list keeps answering", async () => {
    const res = await postEvents(project.key, { events: [{ ...base, id: "deep-md", metadata: { a: nested(1500) } }, { ...base, id: "fine" }] });
    expect(res.status).toBe(207);
    const rejected = res.body.rejected as { index: number; issues: { path: string; message: string }[] }[];
    expect(rejected[0]?.index).toBe(0);
    expect(rejected[0]?.issues[0]?.path).toBe("metadata");
    expect(rejected[0]?.issues[0]?.message).toMatch(/nested at most \d+ levels/);
    const list = await listEvents(project.key);
    expect(list.status, await list.clone().text()).toBe(200);
  });

  it("an event nested far deeper (stack-overflow deep) is refused naming where, not a 500; a deep ignored field is harmless", async () => {
    const deep = `{"provider":"openai","model":"m","inputTokens":1,"outputTokens":1,"metadata":{"x":${"[".repeat(200_000)}${"]".repeat(200_000)}}}`;
    const res = await postEvents(project.key, null, { raw: deep });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/metadata\.x\.0\.0/);
    // Unknown fields are ignored (older and newer SDKs keep working) and never walked.
    const unknownField = `{"id":"deep-extra","provider":"openai","model":"m","inputTokens":1,"outputTokens":1,"extra":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const res2 = await postEvents(project.key, null, { raw: unknownField });
    expect(res2.status).toBe(200);
    const list = await listEvents(project.key);
    expect(list.status).toBe(200);
  });

  it("accepts gzip and deflate bodies", async () => {
    const body = JSON.stringify({ events: [{ ...base, id: "gz-1" }, { ...base, id: "gz-2" }] });
    const gz = await post(project.key, gzipSync(body), { "content-encoding": "gzip" });
    expect(gz.status, await gz.clone().text()).toBe(200);
    expect(((await gz.json()) as { accepted: number }).accepted).toBe(2);
    const df = await post(project.key, deflateSync(JSON.stringify({ ...base, id: "df-1" })), { "content-encoding": "deflate" });
    expect(df.status, await df.clone().text()).toBe(200);
    expect(((await df.json()) as { accepted: number }).accepted).toBe(1);
    const bad = await post(project.key, "not gzip at all", { "content-encoding": "gzip" });
    expect(bad.status).toBe(400);
    const br = await post(project.key, body, { "content-encoding": "br" });
    expect(br.status).toBe(415);
  });

  it("refuses a decompression bomb with 413 (the 5 MiB cap applies to the decompressed body)", async () => {
    // 64 MiB of spaces compresses to ~64 KiB.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(MAX_BODY_BYTES);
    const res = await post(project.key, bomb, { "content-encoding": "gzip" });
    expect(res.status).toBe(413);
    // Just over the cap once inflated is refused too; just under is parsed.
    const over = gzipSync(Buffer.from(JSON.stringify({ ...base, prompt: "p".repeat(MAX_BODY_BYTES) })));
    expect((await post(project.key, over, { "content-encoding": "gzip" })).status).toBe(413);
  });

  it("costUsd cannot exceed its documented maximum (100000) through rounding", async () => {
    const over = await postEvents(project.key, { ...base, costUsd: "100000.000000000001" });
    expect(over.status).toBe(400);
    expect(JSON.stringify(over.body)).toMatch(/costUsd must be at most 100000/);
    const max = await postEvents(project.key, { ...base, costUsd: "100000.000000000000" });
    expect(max.status).toBe(200);
  });
});
