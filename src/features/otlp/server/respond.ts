import "server-only";
import { AppError } from "~/server/errors";
import { encodeRpcStatus, encodeTracesResponse } from "../protobuf";
import type { ExportResult } from "./export-traces";
import type { OtlpEncoding } from "./read-body";

// gRPC status codes OTLP/HTTP puts in an error body (google.rpc.Status.code).
const RPC_CODE: Record<number, number> = { 400: 3, 401: 16, 413: 3, 415: 3, 429: 8, 503: 14 };

const headers = (encoding: OtlpEncoding) => ({
  "content-type": encoding === "json" ? "application/json" : "application/x-protobuf",
  "cache-control": "no-store",
});

/**
 * Answers in the request's encoding, as OTLP/HTTP requires: the ExportTraceServiceResponse (with
 * `partialSuccess` when spans were rejected) or, for client errors of a protobuf request, a
 * google.rpc.Status. JSON errors and server errors (503, 500) go to the shared route wrapper.
 */
export async function otlpResponse(encoding: OtlpEncoding, run: () => Promise<ExportResult>): Promise<Response> {
  let result: ExportResult;
  try {
    result = await run();
  } catch (err) {
    if (encoding === "protobuf" && err instanceof AppError && err.status < 500) {
      const extra: Record<string, string> = err.details.retryAfterSeconds !== undefined ? { "retry-after": String(err.details.retryAfterSeconds) } : {};
      return new Response(encodeRpcStatus(RPC_CODE[err.status] ?? 2, err.message), { status: err.status, headers: { ...headers(encoding), ...extra } });
    }
    throw err;
  }
  const partial = result.rejectedSpans > 0 || result.errorMessage !== "";
  if (encoding === "protobuf") {
    return new Response(encodeTracesResponse(result.rejectedSpans, result.errorMessage), { status: 200, headers: headers(encoding) });
  }
  const body = partial ? { partialSuccess: { rejectedSpans: result.rejectedSpans, errorMessage: result.errorMessage } } : {};
  return new Response(JSON.stringify(body), { status: 200, headers: headers(encoding) });
}
