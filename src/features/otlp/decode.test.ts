import http from "node:http";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeTracesJson } from "./decode-json";
import { OtlpDecodeError, type OtlpSpan } from "./model";
import { decodeTracesProtobuf, encodeRpcStatus, encodeTracesResponse } from "./protobuf";
import { emitSpans, genAiSpans } from "./test-spans";

// A loopback collector that keeps the raw bodies the real exporters send.
const bodies: { type: string; body: Buffer }[] = [];
let server: http.Server;
let url = "";
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const type = req.headers["content-type"] ?? "";
      bodies.push({ type, body: Buffer.concat(chunks) });
      res.writeHead(200, { "content-type": type });
      res.end(type.includes("protobuf") ? Buffer.from(encodeTracesResponse(2, "2 spans ignored")) : '{"partialSuccess":{"rejectedSpans":2}}');
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}/v1/traces`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const plain = (s: OtlpSpan) => ({ ...s, attributes: Object.fromEntries(s.attributes), resource: Object.fromEntries(s.resource) });

describe("OTLP decoders on what the real OpenTelemetry exporters send", () => {
  it("decode JSON and protobuf exports of the same spans to the same spans", async () => {
    const specs = genAiSpans(Date.parse("2026-03-01T12:00:00Z"));
    bodies.length = 0;
    await emitSpans(new JsonExporter({ url }), specs);
    await emitSpans(new ProtoExporter({ url }), specs);
    const json = bodies.filter((b) => b.type.includes("json")).flatMap((b) => decodeTracesJson(JSON.parse(b.body.toString("utf8"))));
    const proto = bodies.filter((b) => b.type.includes("protobuf")).flatMap((b) => decodeTracesProtobuf(new Uint8Array(b.body)));
    expect(json).toHaveLength(specs.length);
    // Ids differ between the two runs; everything else must match field for field.
    const strip = (s: OtlpSpan) => ({ ...plain(s), traceId: s.traceId.length, spanId: s.spanId.length });
    expect(proto.map(strip)).toEqual(json.map(strip));
    const chat = json[0];
    expect(chat?.name).toBe("chat gpt-4o");
    expect(chat?.startNs).toBe(BigInt(Date.parse("2026-03-01T11:59:00Z")) * 1_000_000n);
    expect(chat && chat.endNs - chat.startNs).toBe(840_000_000n);
    expect(chat?.attributes.get("gen_ai.usage.input_tokens")).toBe(1200);
    expect(chat?.resource.get("service.name")).toBe("checkout-api");
    expect(json[3]).toMatchObject({ statusCode: 2, statusMessage: "429 Too Many Requests" });
    expect(proto[0]?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(proto[0]?.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it("reads nested values, base64 ids, snake_case and enum names in JSON", () => {
    const [span] = decodeTracesJson({
      resource_spans: [{
        scope_spans: [{
          spans: [{
            trace_id: Buffer.from("0123456789abcdef0123456789abcdef", "hex").toString("base64"),
            span_id: "0123456789ABCDEF",
            start_time_unix_nano: 1_700_000_000_000_000_000,
            status: { code: "STATUS_CODE_ERROR" },
            attributes: [
              { key: "list", value: { arrayValue: { values: [{ intValue: "3" }, { boolValue: true }] } } },
              { key: "map", value: { kvlistValue: { values: [{ key: "k", value: { doubleValue: 1.5 } }] } } },
            ],
          }],
        }],
      }],
    });
    expect(span).toMatchObject({ traceId: "0123456789abcdef0123456789abcdef", spanId: "0123456789abcdef", statusCode: 2 });
    expect(span?.attributes.get("list")).toEqual([3, true]);
    expect(span?.attributes.get("map")).toEqual({ k: 1.5 });
  });

  it("rejects malformed protobuf with a decode error, never a crash or a hang", () => {
    expect(() => decodeTracesProtobuf(Uint8Array.from([0x0a, 0x05, 0x01]))).toThrow(OtlpDecodeError);
    expect(() => decodeTracesProtobuf(Uint8Array.from([0x0b]))).toThrow(OtlpDecodeError); // wire type 3 (groups)
    expect(() => decodeTracesProtobuf(Uint8Array.from(Array(11).fill(0xff)))).toThrow(OtlpDecodeError);
    expect(() => decodeTracesJson([1, 2])).toThrow(OtlpDecodeError);
    expect(decodeTracesProtobuf(new Uint8Array(0))).toEqual([]);
  });

  it("encodes the partial-success response and rpc status as the protobuf schema says", () => {
    expect(encodeTracesResponse(0, "")).toEqual(new Uint8Array(0));
    // field 1 (len) { field 1 varint 300, field 2 (len) "ab" }
    expect([...encodeTracesResponse(300, "ab")]).toEqual([0x0a, 0x07, 0x08, 0xac, 0x02, 0x12, 0x02, 0x61, 0x62]);
    expect([...encodeRpcStatus(3, "x")]).toEqual([0x08, 0x03, 0x12, 0x01, 0x78]);
  });
});
