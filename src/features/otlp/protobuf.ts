// A minimal protobuf decoder for the subset of opentelemetry/proto/collector/trace/v1 this app reads,
// and the encoder of its response. Hand-written rather than protobufjs: the subset is ~10 fields of a
// stable proto3 schema, it needs no .proto loading or code generation, no 64-bit helper dependency,
// and every loop and nesting level is bounded by the (already size-capped) input.
import { MAX_VALUE_DEPTH, OtlpDecodeError, toHex, type Attributes, type AttrValue, type OtlpSpan } from "./model";

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
const utf8 = new TextDecoder("utf-8", { fatal: false });

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new OtlpDecodeError("truncated varint");
      const b = this.buf[this.pos++] ?? 0;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
    }
    throw new OtlpDecodeError("varint longer than 10 bytes");
  }

  /** Varints for tags, lengths and small enums: exact below 2^53. */
  small(): number {
    const v = this.varint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new OtlpDecodeError("length or tag out of range");
    return Number(v);
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.end) throw new OtlpDecodeError("truncated fixed64");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getBigUint64(0, true);
    this.pos += 8;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new OtlpDecodeError("truncated double");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field as a sub-reader over the same buffer. */
  sub(): Reader {
    const len = this.small();
    if (this.pos + len > this.end) throw new OtlpDecodeError("length-delimited field runs past its message");
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  bytes(): Uint8Array {
    const r = this.sub();
    return this.buf.subarray(r.pos, r.end);
  }

  string(): string {
    return utf8.decode(this.bytes());
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_FIXED64) this.pos += 8;
    else if (wire === WIRE_LEN) this.sub();
    else if (wire === WIRE_FIXED32) this.pos += 4;
    else throw new OtlpDecodeError(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new OtlpDecodeError("field runs past its message");
  }

  /** Calls `fn(field, wire)` for each field; `fn` must consume the value (or call skip). */
  fields(fn: (field: number, wire: number) => void): void {
    // Each iteration consumes at least one byte, so the loop is bounded by the message length.
    while (this.pos < this.end) {
      const tag = this.small();
      const field = Math.floor(tag / 8);
      if (field === 0) throw new OtlpDecodeError("field number 0");
      fn(field, tag & 7);
    }
  }
}

function anyValue(r: Reader, depth: number): AttrValue {
  let value: AttrValue = null;
  r.fields((field, wire) => {
    if (field === 1 && wire === WIRE_LEN) value = r.string();
    else if (field === 2 && wire === WIRE_VARINT) value = r.varint() !== 0n;
    else if (field === 3 && wire === WIRE_VARINT) value = Number(BigInt.asIntN(64, r.varint()));
    else if (field === 4 && wire === WIRE_FIXED64) value = r.double();
    else if (field === 5 && wire === WIRE_LEN) {
      const sub = r.sub();
      const list: AttrValue[] = [];
      if (depth < MAX_VALUE_DEPTH) sub.fields((f, w) => (f === 1 && w === WIRE_LEN ? list.push(anyValue(sub.sub(), depth + 1)) : sub.skip(w)));
      value = list;
    } else if (field === 6 && wire === WIRE_LEN) {
      const sub = r.sub();
      const obj: Record<string, AttrValue> = {};
      if (depth < MAX_VALUE_DEPTH) {
        const attrs: Attributes = new Map();
        sub.fields((f, w) => (f === 1 && w === WIRE_LEN ? keyValue(sub.sub(), attrs, depth + 1) : sub.skip(w)));
        for (const [k, v] of attrs) obj[k] = v;
      }
      value = obj;
    } else if (field === 7 && wire === WIRE_LEN) value = toHex(r.bytes());
    else r.skip(wire);
  });
  return value;
}

function keyValue(r: Reader, into: Attributes, depth: number): void {
  let key = "";
  let value: AttrValue = null;
  r.fields((field, wire) => {
    if (field === 1 && wire === WIRE_LEN) key = r.string();
    else if (field === 2 && wire === WIRE_LEN) value = anyValue(r.sub(), depth);
    else r.skip(wire);
  });
  if (key !== "") into.set(key, value);
}

function attributesOf(r: Reader, field: number, into: Attributes): (f: number, w: number) => boolean {
  return (f, w) => {
    if (f !== field || w !== WIRE_LEN) return false;
    keyValue(r.sub(), into, 0);
    return true;
  };
}

function span(r: Reader, resource: Attributes): OtlpSpan {
  const s: OtlpSpan = { traceId: "", spanId: "", name: "", startNs: 0n, endNs: 0n, statusCode: 0, statusMessage: "", attributes: new Map(), resource };
  const attr = attributesOf(r, 9, s.attributes);
  r.fields((field, wire) => {
    if (field === 1 && wire === WIRE_LEN) s.traceId = toHex(r.bytes());
    else if (field === 2 && wire === WIRE_LEN) s.spanId = toHex(r.bytes());
    else if (field === 5 && wire === WIRE_LEN) s.name = r.string();
    else if (field === 7 && wire === WIRE_FIXED64) s.startNs = r.fixed64();
    else if (field === 8 && wire === WIRE_FIXED64) s.endNs = r.fixed64();
    else if (field === 15 && wire === WIRE_LEN) {
      const st = r.sub();
      st.fields((f, w) => {
        if (f === 2 && w === WIRE_LEN) s.statusMessage = st.string();
        else if (f === 3 && w === WIRE_VARINT) s.statusCode = st.small();
        else st.skip(w);
      });
    } else if (!attr(field, wire)) r.skip(wire);
  });
  return s;
}

/** Decodes an `ExportTraceServiceRequest`; throws OtlpDecodeError on malformed input. */
export function decodeTracesProtobuf(buf: Uint8Array): OtlpSpan[] {
  const spans: OtlpSpan[] = [];
  const root = new Reader(buf, 0, buf.length);
  root.fields((field, wire) => {
    if (field !== 1 || wire !== WIRE_LEN) return root.skip(wire);
    const rs = root.sub();
    const resource: Attributes = new Map();
    const scopes: Reader[] = [];
    // Resource may come after the scope spans on the wire: collect first, decode spans after.
    rs.fields((f, w) => {
      if (f === 1 && w === WIRE_LEN) {
        const res = rs.sub();
        const attr = attributesOf(res, 1, resource);
        res.fields((ff, ww) => {
          if (!attr(ff, ww)) res.skip(ww);
        });
      } else if (f === 2 && w === WIRE_LEN) scopes.push(rs.sub());
      else rs.skip(w);
    });
    for (const ss of scopes) {
      ss.fields((f, w) => (f === 2 && w === WIRE_LEN ? spans.push(span(ss.sub(), resource)) : ss.skip(w)));
    }
  });
  return spans;
}

function varintBytes(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  for (let i = 0; i < 10; i++) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if (v === 0n) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
  return out;
}

function lenField(field: number, payload: Uint8Array | number[]): number[] {
  return [...varintBytes(BigInt((field << 3) | WIRE_LEN)), ...varintBytes(BigInt(payload.length)), ...payload];
}

/** `ExportTraceServiceResponse`; empty (zero bytes) when nothing was rejected. */
export function encodeTracesResponse(rejectedSpans: number, errorMessage: string): Uint8Array<ArrayBuffer> {
  if (rejectedSpans === 0 && errorMessage === "") return new Uint8Array(0);
  const partial: number[] = [];
  if (rejectedSpans !== 0) partial.push(...varintBytes(BigInt((1 << 3) | WIRE_VARINT)), ...varintBytes(BigInt(rejectedSpans)));
  if (errorMessage !== "") partial.push(...lenField(2, new TextEncoder().encode(errorMessage)));
  return Uint8Array.from(lenField(1, partial));
}

/** `google.rpc.Status` {code, message}: the body of an OTLP/HTTP protobuf error response. */
export function encodeRpcStatus(code: number, message: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from([...varintBytes(BigInt((1 << 3) | WIRE_VARINT)), ...varintBytes(BigInt(code)), ...lenField(2, new TextEncoder().encode(message))]);
}
