import "server-only";
import { unsupportedMediaType } from "~/server/errors";
import { readBodyDecoded } from "~/server/http";

export type OtlpEncoding = "json" | "protobuf";

/** OTLP/HTTP's two encodings; anything else is a 415 naming them. */
export function otlpEncoding(req: Request): OtlpEncoding {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "application/json") return "json";
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  throw unsupportedMediaType("Content-Type must be application/json or application/x-protobuf (OTLP/HTTP)");
}

/** The request body with a hard cap, before and after decompression (OTLP exporters may gzip). */
export async function readOtlpBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  return readBodyDecoded(req, maxBytes);
}
