import "server-only";
import { getDbClient } from "~/server/db";
import { payloadTooLarge } from "~/server/errors";
import { errorResponse, json, requestIdOf } from "~/server/http";
import { logger } from "~/server/logger";
import { AUTH_BASE_PATH, CLIENT_IP_HEADER, getAuth } from "./auth";
import { limitAttempt, requestClientIp } from "./login-rate-limit";

// The /api/auth/* handler around Better Auth: the login rate limit before it, the client IP it
// records from the socket (never from the client), and the app's error hygiene after it (request
// id on every response and in error bodies, no internals in a 5xx).

// Endpoints that try a credential or start a sign-in: limited per client IP and per account.
const LIMITED = ["/sign-in/", "/sign-up/", "/change-password", "/reset-password", "/request-password-reset"];
// A sign-in body is an email and a password; anything larger is not one.
const MAX_BODY_BYTES = 16 * 1024;

async function accountOf(req: Request): Promise<string | null> {
  try {
    const body: unknown = await req.clone().json();
    const email = typeof body === "object" && body !== null ? (body as { email?: unknown }).email : undefined;
    return typeof email === "string" ? email.slice(0, 320) : null;
  } catch {
    return null;
  }
}

/** Deletes `token` from a body, its `session` and each element of a list (the shapes Better Auth answers). */
function withoutTokens(body: unknown): unknown {
  const strip = (v: unknown) => {
    if (typeof v !== "object" || v === null) return;
    delete (v as { token?: unknown }).token;
    const session = (v as { session?: unknown }).session;
    if (typeof session === "object" && session !== null) delete (session as { token?: unknown }).token;
  };
  if (Array.isArray(body)) body.forEach(strip);
  else strip(body);
  return body;
}

/**
 * Error bodies get the request id; a 5xx keeps its details in the log only. Every successful JSON
 * answer loses the raw session tokens Better Auth puts in bodies (sign-in, get-session,
 * list-sessions): the session lives in the HttpOnly cookie, and a copy readable by page scripts
 * would undo what HttpOnly is for.
 */
async function finish(res: Response, requestId: string): Promise<Response> {
  const headers = new Headers(res.headers);
  headers.set("x-request-id", requestId);
  const isJson = (headers.get("content-type") ?? "").includes("application/json");
  if (res.ok && isJson) {
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      return new Response(text, { status: res.status, headers });
    }
    headers.delete("content-length");
    return new Response(JSON.stringify(withoutTokens(body)), { status: res.status, headers });
  }
  if (res.status >= 500) {
    logger.error("auth endpoint failed", { requestId, status: res.status, body: (await res.text()).slice(0, 500) });
    return json({ error: "internal_error", message: "internal error", requestId }, res.status, { "x-request-id": requestId });
  }
  if (res.status >= 400 && isJson) {
    const body: unknown = await res.json().catch(() => null);
    const merged = typeof body === "object" && body !== null ? { ...body, requestId } : { error: "error", requestId };
    headers.delete("content-length");
    return new Response(JSON.stringify(merged), { status: res.status, headers });
  }
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

export async function handleAuthRequest(req: Request): Promise<Response> {
  const requestId = requestIdOf(req.headers);
  try {
    const path = new URL(req.url).pathname.slice(AUTH_BASE_PATH.length);
    if (req.method === "POST" && LIMITED.some((p) => path.startsWith(p))) {
      const declared = Number(req.headers.get("content-length") ?? "0");
      if (declared > MAX_BODY_BYTES) {
        return errorResponse(payloadTooLarge(`request body must be at most ${MAX_BODY_BYTES} bytes`), requestId);
      }
      await limitAttempt("login", req.headers, await accountOf(req), "too many sign-in attempts");
    }
    // The session row records the socket-derived client address; a client-sent header is replaced.
    const headers = new Headers(req.headers);
    const ip = requestClientIp(req.headers);
    if (ip) headers.set(CLIENT_IP_HEADER, ip);
    else headers.delete(CLIENT_IP_HEADER);
    const forwarded = new Request(req, { headers });
    const auth = await getAuth(getDbClient().db);
    return await finish(await auth.handler(forwarded), requestId);
  } catch (err) {
    // The 429 of the attempt limit, 503 while storage is down, a logged 500 otherwise.
    return errorResponse(err, requestId);
  }
}
