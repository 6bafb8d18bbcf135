// OTLP/JSON (the protobuf JSON mapping with OTLP's exceptions): ids are hex, 64-bit integers may be
// strings or numbers, enums integers. Lenient where exporters differ in the wild: snake_case keys,
// base64 ids (protobuf's default mapping), enum names for the status code.
import { MAX_VALUE_DEPTH, OtlpDecodeError, toHex, type Attributes, type AttrValue, type OtlpSpan } from "./model";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const get = (o: Obj, camel: string, snake: string): unknown => o[camel] ?? o[snake];
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function id(v: unknown, bytes: number): string {
  if (typeof v !== "string" || v === "") return "";
  if (v.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(v)) return v.toLowerCase();
  const raw = Buffer.from(v, "base64");
  return raw.length === bytes ? toHex(raw) : "";
}

function nanos(v: unknown): bigint {
  if (typeof v === "string" && /^\d{1,20}$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return BigInt(Math.trunc(v));
  return 0n;
}

function int(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === "string" && /^-?\d{1,20}$/.test(v)) return Number(v);
  return null;
}

function anyValue(v: unknown, depth: number): AttrValue {
  if (!isObj(v)) return null;
  const s = get(v, "stringValue", "string_value");
  if (typeof s === "string") return s;
  const b = get(v, "boolValue", "bool_value");
  if (typeof b === "boolean") return b;
  const i = int(get(v, "intValue", "int_value"));
  if (i !== null) return i;
  const d = get(v, "doubleValue", "double_value");
  if (typeof d === "number") return d;
  if (typeof d === "string" && d.trim() !== "" && Number.isFinite(Number(d))) return Number(d);
  const arr = get(v, "arrayValue", "array_value");
  if (isObj(arr)) return depth < MAX_VALUE_DEPTH ? list(arr.values).map((x) => anyValue(x, depth + 1)) : [];
  const kv = get(v, "kvlistValue", "kvlist_value");
  if (isObj(kv)) {
    const out: Record<string, AttrValue> = {};
    if (depth < MAX_VALUE_DEPTH) for (const [k, val] of attributes(kv.values, depth + 1)) out[k] = val;
    return out;
  }
  const bytes = get(v, "bytesValue", "bytes_value");
  if (typeof bytes === "string") return toHex(Buffer.from(bytes, "base64"));
  return null;
}

function attributes(v: unknown, depth = 0): Attributes {
  const out: Attributes = new Map();
  for (const kv of list(v)) {
    if (isObj(kv) && typeof kv.key === "string" && kv.key !== "") out.set(kv.key, anyValue(kv.value, depth));
  }
  return out;
}

const STATUS_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

function statusCode(v: unknown): number {
  if (typeof v === "string") return STATUS_NAMES[v] ?? int(v) ?? 0;
  return int(v) ?? 0;
}

/** Decodes a parsed OTLP/JSON `ExportTraceServiceRequest`. */
export function decodeTracesJson(body: unknown): OtlpSpan[] {
  if (!isObj(body)) throw new OtlpDecodeError("body must be a JSON object with resourceSpans");
  const resourceSpans = get(body, "resourceSpans", "resource_spans");
  if (resourceSpans !== undefined && !Array.isArray(resourceSpans)) throw new OtlpDecodeError("resourceSpans must be an array");
  const spans: OtlpSpan[] = [];
  for (const rs of list(resourceSpans)) {
    if (!isObj(rs)) continue;
    const res = rs.resource;
    const resource = attributes(isObj(res) ? res.attributes : undefined);
    for (const ss of list(get(rs, "scopeSpans", "scope_spans"))) {
      if (!isObj(ss)) continue;
      for (const sp of list(ss.spans)) {
        if (!isObj(sp)) continue;
        const status = isObj(sp.status) ? sp.status : {};
        spans.push({
          traceId: id(get(sp, "traceId", "trace_id"), 16),
          spanId: id(get(sp, "spanId", "span_id"), 8),
          name: typeof sp.name === "string" ? sp.name : "",
          startNs: nanos(get(sp, "startTimeUnixNano", "start_time_unix_nano")),
          endNs: nanos(get(sp, "endTimeUnixNano", "end_time_unix_nano")),
          statusCode: statusCode(status.code),
          statusMessage: typeof status.message === "string" ? status.message : "",
          attributes: attributes(sp.attributes),
          resource,
        });
      }
    }
  }
  return spans;
}
