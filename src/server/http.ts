import "server-only";
import { randomUUID } from "node:crypto";
import { AppError, badRequest, isDatabaseUnavailable, isUnstorableText, payloadTooLarge, unstorableText, unsupportedMediaType } from "./errors";
import { errorFields, logger } from "./logger";

export type RouteContext = { requestId: string };

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/** The one rendering of an error for HTTP clients (route handlers, the auth route, the proxy's 429). */
export function errorResponse(thrown: unknown, requestId: string, extraHeaders: Record<string, string> = {}): Response {
  const headers: Record<string, string> = { ...extraHeaders, "x-request-id": requestId };
  const err = isUnstorableText(thrown) ? unstorableText() : thrown;
  if (err instanceof AppError) {
    Object.assign(headers, err.details.headers);
    const retryAfter = err.details.retryAfterSeconds;
    if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
    return json(
      {
        error: err.code,
        message: err.message,
        ...(err.details.issues ? { issues: err.details.issues } : {}),
        ...(retryAfter !== undefined ? { retryAfter } : {}),
        requestId,
      },
      err.status,
      headers,
    );
  }
  if (isDatabaseUnavailable(err)) {
    logger.warn("database unavailable", { requestId, ...errorFields(err) });
    headers["retry-after"] = "5";
    return json(
      { error: "service_unavailable", message: "storage is unavailable; nothing from this request was stored, retry later", requestId },
      503,
      headers,
    );
  }
  // Details stay in the log; the client gets the request id to quote.
  logger.error("unhandled error", { requestId, ...errorFields(err) });
  return json({ error: "internal_error", message: "internal error", requestId }, 500, headers);
}

/** The one wrapper around route handlers: request id, typed-error mapping, no stack traces out. */
export function route<P>(handler: (req: Request, ctx: RouteContext, params: P) => Promise<Response>) {
  return async (req: Request, segment: { params: Promise<P> }): Promise<Response> => {
    const requestId = req.headers.get("x-request-id") ?? randomUUID();
    try {
      const res = await handler(req, { requestId }, await segment.params);
      res.headers.set("x-request-id", requestId);
      return res;
    } catch (err) {
      return errorResponse(err, requestId);
    }
  };
}

export function bearerToken(headers: Headers): string | null {
  const header = headers.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** The raw request body with a hard byte cap (declared length checked first, then counted). */
export async function readBodyCapped(req: Request, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => payloadTooLarge(`request body must be at most ${maxBytes} bytes`);
  if (Number(req.headers.get("content-length") ?? "0") > maxBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks, total);
}

/** Reads a JSON body with a hard byte cap, checking the content type first. */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type !== "application/json" && !type.endsWith("+json")) {
    throw unsupportedMediaType("Content-Type must be application/json");
  }
  const body = await readBodyCapped(req, maxBytes);
  if (body.length === 0) throw badRequest("request body is empty; send a JSON event or {\"events\": [...]}");
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch (err) {
    throw badRequest(`request body is not valid JSON: ${err instanceof Error ? err.message : "parse error"}`);
  }
}
