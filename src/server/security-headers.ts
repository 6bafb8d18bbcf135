import { createHash, randomBytes } from "node:crypto";
import { THEME_SCRIPT } from "~/lib/theme";

import apiHeaders from "./api-security-headers.json";
import staticHeaders from "./static-security-headers.json";

// Security headers for pages (sent by the proxy) and API responses (next.config.mjs, and the route
// wrapper for HSTS). The static part is one table, static-security-headers.json, which
// next.config.mjs also sends for what the proxy skips (API routes, _next/static, icons). Why each is there:
// - x-content-type-options nosniff; x-frame-options DENY (browsers without CSP frame-ancestors);
// - referrer-policy same-origin: URLs carry filters (feature names, user ids), never sent elsewhere;
// - permissions-policy: only features browsers recognise (an unknown name is a console error);
// - cross-origin opener and resource policies: same-origin.
export const STATIC_SECURITY_HEADERS: Readonly<Record<string, string>> = staticHeaders;

// The root layout's inline theme script runs before hydration and carries no nonce; its hash
// allows exactly that text (recomputed from the same constant, so an edit cannot go stale).
const THEME_HASH = `'sha256-${createHash("sha256").update(THEME_SCRIPT, "utf8").digest("base64")}'`;

export type SecurityOptions = { https: boolean; dev: boolean };

/**
 * The page policy: scripts only with this response's nonce (Next puts it on its own scripts when
 * it finds it in the request's CSP header) and whatever they load ('strict-dynamic'). Styles allow
 * 'unsafe-inline': server-rendered `style=""` attributes (virtual tables, charts) cannot carry a
 * nonce, and a nonce in style-src would switch 'unsafe-inline' off.
 */
export function pagePolicy(nonce: string, o: SecurityOptions): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic' ${THEME_HASH}${o.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    // Only behind https: on plain http it would send the browser to https://127.0.0.1 for every asset.
    ...(o.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/**
 * API responses are data, never documents: nothing may load from or frame them. In a JSON file
 * next.config.mjs reads too: it sends this (with the static table) on every /api/ response, since
 * only /api/auth passes through the proxy.
 */
export const API_POLICY: string = apiHeaders["content-security-policy"];

/** Only behind https (APP_URL=https://…): on plain http browsers ignore it anyway. */
export const STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains";

export type SecurityHeaders = { request: Record<string, string>; response: Record<string, string> };

/** Headers for one request: `request` ones go to the renderer (the nonce), `response` ones to the browser. */
export function securityHeaders(pathname: string, o: SecurityOptions): SecurityHeaders {
  const response: Record<string, string> = { ...STATIC_SECURITY_HEADERS };
  if (o.https) response["strict-transport-security"] = STRICT_TRANSPORT_SECURITY;
  if (pathname === "/api" || pathname.startsWith("/api/")) {
    response["content-security-policy"] = API_POLICY;
    return { request: {}, response };
  }
  const nonce = randomBytes(16).toString("base64");
  const policy = pagePolicy(nonce, o);
  response["content-security-policy"] = policy;
  return { request: { "content-security-policy": policy, "x-nonce": nonce }, response };
}
