import "server-only";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { gunzip, inflate } from "node:zlib";
import { env } from "~/env";
import { MAX_BODY_DEPTH, jsonDepthIssue } from "~/lib/json-bounds";
import { AppError, badRequest, isDatabaseUnavailable, isUnstorableText, payloadTooLarge, unstorableText, unsupportedMediaType } from "./errors";
import { errorFields, logger } from "./logger";
import { STRICT_TRANSPORT_SECURITY } from "./security-headers";

export type RouteContext = { requestId: string };

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/** The one rendering of an error for HTTP clients (route handlers, the auth route, the rate limit 429). */
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

/** A client's own request id is kept when it is a plain token (it shows up in their logs too). */
export function requestIdOf(headers: Headers): string {
  const sent = headers.get("x-request-id");
  return sent !== null && /^[\w.:-]{1,128}$/.test(sent) ? sent : randomUUID();
}

// The static security headers of API responses come from next.config.mjs ("/api/:path*"); HSTS
// depends on APP_URL at run time, so the wrapper adds it.
const HSTS = env.APP_URL?.startsWith("https://") ? STRICT_TRANSPORT_SECURITY : null;

/**
 * The one wrapper around route handlers: request id, typed-error mapping, no stack traces out.
 * API routes do not pass through the Next proxy (src/proxy.ts): what it would add, this does.
 */
export function route<P>(handler: (req: Request, ctx: RouteContext, params: P) => Promise<Response>) {
  return async (req: Request, segment: { params: Promise<P> }): Promise<Response> => {
    const requestId = requestIdOf(req.headers);
    let res: Response;
    try {
      res = await handler(req, { requestId }, await segment.params);
      res.headers.set("x-request-id", requestId);
    } catch (err) {
      res = errorResponse(err, requestId);
    }
    if (HSTS) res.headers.set("strict-transport-security", HSTS);
    return res;
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

const inflaters = { gzip: promisify(gunzip), deflate: promisify(inflate) } as const;

/**
 * The body with `Content-Encoding` undone (gzip or deflate, as SDKs and OTLP exporters send), the
 * cap applied to the compressed bytes and again to the decoded ones: zlib stops at the cap, so a
 * small decompression bomb is a 413 without ever being inflated whole.
 */
export async function readBodyDecoded(req: Request, maxBytes: number): Promise<Buffer> {
  const raw = await readBodyCapped(req, maxBytes);
  const encoding = (req.headers.get("content-encoding") ?? "").trim().toLowerCase();
  if (encoding === "" || encoding === "identity") return raw;
  if (encoding !== "gzip" && encoding !== "deflate" && encoding !== "x-gzip") {
    throw unsupportedMediaType("Content-Encoding must be gzip, deflate or absent");
  }
  try {
    return await inflaters[encoding === "deflate" ? "deflate" : "gzip"](raw, { maxOutputLength: maxBytes });
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw payloadTooLarge(`request body must be at most ${maxBytes} bytes once decompressed`);
    }
    throw badRequest(`request body is not valid ${encoding} data`, [{ path: "(body)", message: `not valid ${encoding}` }]);
  }
}

/**
 * Parses JSON text, then checks its nesting without recursion (see src/lib/json-bounds.ts);
 * `maxDepth` null: not checked here (the caller bounds the parts it reads).
 */
export function parseBoundedJson(text: string, maxDepth: number | null = MAX_BODY_DEPTH): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`request body is not valid JSON: ${err instanceof Error ? err.message : "parse error"}`);
  }
  const deep = maxDepth === null ? null : jsonDepthIssue(value, maxDepth);
  if (deep) throw badRequest(`${deep.path} ${deep.message}`, [deep]);
  return value;
}

/**
 * Reads a JSON body (maybe gzip or deflate) with a hard byte cap, checking the content type first.
 * `maxDepth` null: the caller bounds each part itself (the events route rejects one too-deep
 * event with a 207 and stores the rest; fields it ignores are never walked).
 */
export async function readJsonBody(req: Request, maxBytes: number, maxDepth: number | null = MAX_BODY_DEPTH): Promise<unknown> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (type !== "application/json" && !type.endsWith("+json")) {
    throw unsupportedMediaType("Content-Type must be application/json");
  }
  const body = await readBodyDecoded(req, maxBytes);
  if (body.length === 0) throw badRequest("request body is empty; send a JSON event or {\"events\": [...]}");
  return parseBoundedJson(body.toString("utf8"), maxDepth);
}
