// The openai embedder against a local OpenAI-compatible stub: the real `openai` client code runs
// (request shape, base64 decoding, errors), only the server is ours.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { APIError } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { localEmbedding } from "./local";
import { createOpenAIEmbedder, type OpenAIEmbedderOptions } from "./openai";
import { PermanentEmbedError } from "./types";

type Req = { model: string; input: string[]; dimensions?: number; encoding_format?: string };
type Scripted = { status: number; headers?: Record<string, string>; body?: unknown };

const requests: Req[] = [];
let script: Scripted[] = [];
let returnDims: number | null = null;
let server: http.Server;
let baseURL = "";

function answer(req: Req): unknown {
  const dims = returnDims ?? req.dimensions ?? 1536;
  return {
    object: "list",
    model: req.model,
    usage: { prompt_tokens: 1, total_tokens: 1 },
    // Reversed on purpose: clients must order by `index`, not by position.
    data: req.input
      .map((text, index) => {
        const v = localEmbedding(text, dims);
        const embedding = req.encoding_format === "base64" ? Buffer.from(v.buffer).toString("base64") : Array.from(v);
        return { object: "embedding", index, embedding };
      })
      .reverse(),
  };
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Req;
      requests.push(body);
      const next = script.shift() ?? { status: 200 };
      const payload = next.status === 200 && next.body === undefined ? answer(body) : (next.body ?? { error: { message: "scripted failure", type: "server_error" } });
      res.writeHead(next.status, { "content-type": "application/json", ...next.headers });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
  script = [];
  returnDims = null;
});

const embedder = (o: Partial<OpenAIEmbedderOptions> = {}) =>
  createOpenAIEmbedder({
    apiKey: "test",
    baseURL,
    model: "text-embedding-3-small",
    dimensions: 512,
    backoff: { baseMs: 10, maxMs: 40, maxAttempts: 4 },
    ...o,
  });

describe("openai embedder against a local OpenAI-compatible server", () => {
  it("asks for base64 with the model and dimensions, and decodes little-endian float32 in input order", async () => {
    const e = embedder();
    const texts = ["first prompt", "second prompt", "third"];
    const out = await e.embed(texts);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ model: "text-embedding-3-small", dimensions: 512, encoding_format: "base64", input: texts });
    texts.forEach((t, i) => expect(Array.from(out[i] ?? [])).toEqual(Array.from(localEmbedding(t, 512))));
    expect(e.model).toBe("openai/text-embedding-3-small@512");
  });

  it("can ask for JSON floats instead (servers without base64)", async () => {
    const out = await embedder({ encodingFormat: "float" }).embed(["a prompt"]);
    expect(requests[0]?.encoding_format).toBe("float");
    const expected = localEmbedding("a prompt", 512);
    (out[0] ?? []).forEach((x, i) => expect(x).toBeCloseTo(expected[i] ?? 0, 6));
  });

  it("splits into requests by input count and by estimated tokens, keeping the order", async () => {
    const texts = Array.from({ length: 7 }, (_, i) => `prompt number ${i}`);
    const out = await embedder({ maxInputsPerRequest: 3 }).embed(texts);
    expect(requests.map((r) => r.input.length)).toEqual([3, 3, 1]);
    expect(out.map((v) => Array.from(v))).toEqual(texts.map((t) => Array.from(localEmbedding(t, 512))));
    requests.length = 0;
    await embedder({ maxTokensPerRequest: 3000 }).embed(["x".repeat(6000), "y".repeat(6000), "z".repeat(6000)]);
    expect(requests.map((r) => r.input.length)).toEqual([1, 1, 1]);
  });

  it("truncates each input to the model's token limit and never sends an empty string", async () => {
    await embedder().embed(["word ".repeat(20_000), ""]);
    const [long, empty] = requests[0]?.input ?? [];
    expect((long ?? "").length).toBeLessThanOrEqual(8191 * 3);
    expect(empty).toBe(" ");
  });

  it("retries a 429 after the server's Retry-After, then succeeds", async () => {
    script = [{ status: 429, headers: { "retry-after": "1" }, body: { error: { message: "Rate limit reached", type: "requests" } } }];
    const t0 = performance.now();
    const out = await embedder().embed(["hello"]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
    expect(requests).toHaveLength(2);
    expect(out).toHaveLength(1);
  });

  it("retries 5xx with exponential backoff and gives up after maxAttempts", async () => {
    script = [{ status: 500 }, { status: 503 }];
    await expect(embedder().embed(["x"])).resolves.toHaveLength(1);
    expect(requests).toHaveLength(3);
    requests.length = 0;
    script = Array.from({ length: 10 }, () => ({ status: 502 }));
    const err = await embedder().embed(["x"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(502);
    expect(requests).toHaveLength(4);
  });

  it("does not retry a 400; a length error is retried once with a tighter truncation", async () => {
    script = [{ status: 400, body: { error: { message: "'input' is invalid", type: "invalid_request_error" } } }];
    await expect(embedder().embed(["x"])).rejects.toBeInstanceOf(PermanentEmbedError);
    expect(requests).toHaveLength(1);
    requests.length = 0;
    script = [{ status: 400, body: { error: { message: "This model's maximum context length is 8192 tokens", type: "invalid_request_error" } } }];
    await expect(embedder().embed(["x".repeat(24_000)])).resolves.toHaveLength(1);
    expect(requests.map((r) => (r.input[0] ?? "").length)).toEqual([24_000, Math.floor(8191 / 2) * 3]);
  });

  it("rejects vectors of the wrong dimension as permanent", async () => {
    returnDims = 256;
    await expect(embedder().embed(["x"])).rejects.toThrow(/256 dimensions, expected 512/);
  });

  it("stops waiting when the caller's signal fires", async () => {
    script = [{ status: 429, headers: { "retry-after": "30" } }];
    const t0 = performance.now();
    await expect(embedder().embed(["x"], { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
