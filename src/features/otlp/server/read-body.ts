import "server-only";
import { gunzipSync } from "node:zlib";
import { badRequest, payloadTooLarge, unsupportedMediaType } from "~/server/errors";
import { readBodyCapped } from "~/server/http";

export type OtlpEncoding = "json" | "protobuf";

/** OTLP/HTTP's two encodings; anything else is a 415 naming them. */
export function otlpEncoding(req: Request): OtlpEncoding {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "application/json") return "json";
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  throw unsupportedMediaType("Content-Type must be application/json or application/x-protobuf (OTLP/HTTP)");
}

/**
 * The request body with a hard cap, before and after decompression (OTLP exporters may gzip).
 * The cap applies to the decoded bytes too, so a small zip bomb cannot blow up memory.
 */
export async function readOtlpBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => payloadTooLarge(`request body must be at most ${maxBytes} bytes`);
  const raw = await readBodyCapped(req, maxBytes);
  const encoding = (req.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding === "identity" || encoding === "") return raw;
  if (encoding !== "gzip") throw unsupportedMediaType("Content-Encoding must be gzip or absent");
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge();
    throw badRequest("request body is not valid gzip");
  }
}
