// POST /api/v1/otlp/v1/traces over HTTP on `next start`, fed by the real OpenTelemetry JS SDK and its
// OTLP/HTTP exporters (JSON and protobuf): LLM spans become cost events, other spans are reported
// as rejected in the partial-success answer, re-exports are idempotent.
import { diag, DiagLogLevel } from "@opentelemetry/api";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { closeTestDb, describeWithHttp, newProject, requireBaseUrl, testDb } from "~/test/integration";
import { encodeTracesResponse } from "./protobuf";
import { emitSpans, genAiSpans } from "./test-spans";

const warnings: string[] = [];
beforeAll(() => {
  const keep = (...args: unknown[]) => warnings.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  diag.setLogger({ error: keep, warn: keep, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
});
afterAll(async () => {
  diag.disable();
  await closeTestDb();
});

type Row = {
  event_id: string; provider: string; model: string; feature: string; input_tokens: number; cached_input_tokens: number;
  cache_write_tokens: number; output_tokens: number; cost_source: string; status: string; error_message: string | null;
  latency_ms: number | null; user_id: string | null; session_id: string | null; prompt: string | null;
};

async function rows(projectId: string): Promise<Row[]> {
  return testDb().sql<Row[]>`
    SELECT e.event_id, e.provider, e.model, e.feature, e.input_tokens, e.cached_input_tokens, e.cache_write_tokens, e.output_tokens,
           e.cost_source, e.status, e.error_message, e.latency_ms, e.user_id, e.session_id, p.text AS prompt
    FROM cost_events e LEFT JOIN prompts p ON p.project_id = e.project_id AND p.hash = e.prompt_hash
    WHERE e.project_id = ${projectId} ORDER BY e.ts, e.event_id`;
}

const url = () => `${requireBaseUrl()}/api/v1/otlp/v1/traces`;
const expectedRows = [
  { provider: "openai", model: "gpt-4o-2024-08-06", feature: "search", input_tokens: 1200, cached_input_tokens: 1024, cache_write_tokens: 0, output_tokens: 300, cost_source: "computed", status: "success", latency_ms: 840, prompt: "Where does our AI money go?" },
  { provider: "anthropic", model: "claude-sonnet-4-5", feature: "checkout-api", input_tokens: 3050, cached_input_tokens: 2000, cache_write_tokens: 1000, output_tokens: 200, cost_source: "computed", latency_ms: 1500, user_id: "u-7" },
  { provider: "openai", model: "gpt-4o-mini", feature: "checkout-api", input_tokens: 500, cached_input_tokens: 256, output_tokens: 50, session_id: "s-1", prompt: "Summarise the invoice" },
  { provider: "openai", model: "gpt-4o-mini", status: "error", error_message: "429 Too Many Requests", input_tokens: 0, output_tokens: 0 },
];

describeWithHttp("OTLP trace ingestion over HTTP", () => {
  for (const [label, Exporter] of [["JSON", JsonExporter], ["protobuf", ProtoExporter]] as const) {
    it(`stores the LLM spans the real ${label} exporter sends and reports the others as rejected`, async () => {
      const { projectId, key } = await newProject(`otlp-${label}`);
      warnings.length = 0;
      await emitSpans(new Exporter({ url: url(), headers: { authorization: `Bearer ${key}` } }), genAiSpans());
      const stored = await rows(projectId);
      expect(stored).toMatchObject(expectedRows);
      expect(stored.every((r) => /^[0-9a-f]{48}$/.test(r.event_id))).toBe(true);
      // The exporter decoded our partial-success answer: 2 spans (HTTP, agent) were not LLM calls.
      expect(warnings.join("\n")).toMatch(/rejectedSpans["\s:]+2/);
    });
  }

  it("is idempotent on re-export and answers partialSuccess in JSON", async () => {
    const { projectId, key } = await newProject("otlp-again");
    const startNs = BigInt(Date.now() - 5000) * 1_000_000n;
    const body = JSON.stringify({
      resourceSpans: [{
        resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }] },
        scopeSpans: [{
          spans: [
            {
              traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", name: "chat", kind: 3,
              startTimeUnixNano: startNs.toString(), endTimeUnixNano: (startNs + 2_000_000n).toString(),
              attributes: [
                { key: "gen_ai.system", value: { stringValue: "openai" } },
                { key: "gen_ai.request.model", value: { stringValue: "gpt-4o-mini" } },
                { key: "gen_ai.usage.input_tokens", value: { intValue: "10" } },
                { key: "gen_ai.usage.output_tokens", value: { intValue: 5 } },
              ],
              status: {},
            },
            { traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b175", name: "db query", startTimeUnixNano: startNs.toString() },
          ],
        }],
      }],
    });
    const post = () => fetch(url(), { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body });
    for (let i = 0; i < 2; i++) {
      const res = await post();
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      const answer = (await res.json()) as { partialSuccess: { rejectedSpans: number; errorMessage: string } };
      expect(answer.partialSuccess.rejectedSpans).toBe(1);
      expect(answer.partialSuccess.errorMessage).toMatch(/not LLM calls/);
    }
    expect(await rows(projectId)).toMatchObject([{ event_id: "5b8efff798038103d269b633813fc60ceee19b7ec3c1b174", feature: "svc", input_tokens: 10, latency_ms: 2 }]);
  });

  it("refuses a missing key, a wrong content type, a malformed body and an oversized one", async () => {
    const { projectId, key } = await newProject("otlp-bad");
    const send = (headers: Record<string, string>, body: BodyInit) => fetch(url(), { method: "POST", headers, body });
    expect((await send({ "content-type": "application/json" }, "{}")).status).toBe(401);
    expect((await send({ "content-type": "text/plain", authorization: `Bearer ${key}` }, "{}")).status).toBe(415);
    const badJson = await send({ "content-type": "application/json", authorization: `Bearer ${key}` }, "{nope");
    expect(badJson.status).toBe(400);
    const badProto = await send({ "content-type": "application/x-protobuf", authorization: `Bearer ${key}` }, Uint8Array.from([0x0a, 0x09, 0x01]));
    expect(badProto.status).toBe(400);
    expect(badProto.headers.get("content-type")).toBe("application/x-protobuf"); // google.rpc.Status, in the request's encoding
    const big = await send({ "content-type": "application/x-protobuf", authorization: `Bearer ${key}` }, new Uint8Array(6 * 1024 * 1024));
    expect(big.status).toBe(413);
    const empty = await send({ "content-type": "application/x-protobuf", authorization: `Bearer ${key}` }, new Uint8Array(0));
    expect(empty.status).toBe(200);
    expect(new Uint8Array(await empty.arrayBuffer())).toEqual(encodeTracesResponse(0, ""));
    expect(await rows(projectId)).toEqual([]);
  });
});
