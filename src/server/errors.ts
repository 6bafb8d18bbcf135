import "server-only";

export type FieldIssue = { path: string; message: string };

// Typed errors thrown by services; one route wrapper and one tRPC middleware map them to responses.
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { issues?: FieldIssue[]; retryAfterSeconds?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const badRequest = (message: string, issues?: FieldIssue[]) =>
  new AppError(400, "bad_request", message, { issues });
export const unauthorized = (message: string) => new AppError(401, "unauthorized", message);
export const forbidden = (message: string, code = "forbidden") => new AppError(403, code, message);
/** 404 naming the input that pointed nowhere (`path`), e.g. a key id of another project. */
export const notFound = (message: string, path?: string) =>
  new AppError(404, "not_found", message, path ? { issues: [{ path, message }] } : {});
/** 429 with Retry-After and the limiter's X-RateLimit-* headers (src/server/rate-limit.ts builds it). */
export const rateLimited = (message: string, retryAfterSeconds: number, headers: Record<string, string>) =>
  new AppError(429, "rate_limited", message, { retryAfterSeconds, headers });
export const payloadTooLarge = (message: string) => new AppError(413, "payload_too_large", message);
export const unsupportedMediaType = (message: string) => new AppError(415, "unsupported_media_type", message);
export const serviceUnavailable = (message: string, retryAfterSeconds = 5) =>
  new AppError(503, "service_unavailable", message, { retryAfterSeconds });

const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  // PostgreSQL SQLSTATEs that mean "try again later": too many connections, shutting down, cannot connect now, read-only.
  "53300",
  "57P01",
  "57P02",
  "57P03",
  "25006",
  // Deadlock / serialization failure that persisted through the service's own retries.
  "40P01",
  "40001",
]);

/**
 * PostgreSQL refusing a client's text (NUL bytes, characters it cannot encode): the client's input,
 * not a server fault. Inputs are checked where they are parsed; this is the net behind those checks.
 */
export function isUnstorableText(err: unknown): boolean {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  if (code === "22021" || code === "22P05") return true;
  const cause = typeof err === "object" && err !== null ? (err as { cause?: unknown }).cause : undefined;
  return cause !== undefined && cause !== err && isUnstorableText(cause);
}

export const unstorableText = () =>
  badRequest("the request contains text the database cannot store (NUL characters or invalid Unicode); remove them and retry");

/** True when the database could not be reached or refused work for now (as opposed to a bug). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && CONNECTION_ERROR_CODES.has(code)) return true;
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err && isDatabaseUnavailable(cause);
}
