// The part of an OTLP trace export this app reads, independent of the wire encoding (JSON or
// protobuf): spans with their attributes and their resource's attributes.

export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Map<string, AttrValue>;

export interface OtlpSpan {
  /** Lowercase hex, 32 characters (may be empty when the exporter sent none). */
  traceId: string;
  /** Lowercase hex, 16 characters. */
  spanId: string;
  name: string;
  /** Unix time in nanoseconds. */
  startNs: bigint;
  endNs: bigint;
  /** 0 unset, 1 ok, 2 error (OTLP `Status.StatusCode`). */
  statusCode: number;
  statusMessage: string;
  attributes: Attributes;
  resource: Attributes;
}

/** Nesting of attribute values (arrays, kvlists) deeper than this is dropped: no stack games. */
export const MAX_VALUE_DEPTH = 8;

export class OtlpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OtlpDecodeError";
  }
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
