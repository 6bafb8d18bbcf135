// Next 16 proxy (always Node.js; exporting `runtime` here fails the build): a request id and the
// security headers (CSP with a per-request nonce, src/server/security-headers.ts) for pages and the
// auth routes. Other API routes skip it — a pass through the proxy costs each request about a
// millisecond of CPU, and made Next buffer every ingestion body for it: their static headers come
// from next.config.mjs, their request id, HSTS and rate limits from the route wrappers
// (src/server/http.ts, src/server/route-limits.ts).
import { NextResponse, type NextRequest } from "next/server";
import { env } from "~/env";
import { requestIdOf } from "~/server/http";
import { securityHeaders } from "~/server/security-headers";

// Every page, and /api/auth/*; not static files (next.config.mjs gives them their headers) nor the
// other API routes.
export const config = {
  matcher: ["/api/auth/:path*", "/((?!_next/static|_next/image|favicon.ico|icon.svg|api/).*)"],
};

const SECURITY = { https: env.APP_URL?.startsWith("https://") ?? false, dev: env.NODE_ENV === "development" };

export function proxy(req: NextRequest): Response {
  const requestId = requestIdOf(req.headers);
  const forwarded = new Headers(req.headers);
  forwarded.set("x-request-id", requestId);
  const security = securityHeaders(req.nextUrl.pathname, SECURITY);
  for (const [name, value] of Object.entries(security.request)) forwarded.set(name, value);
  const res = NextResponse.next({ request: { headers: forwarded } });
  for (const [name, value] of Object.entries(security.response)) res.headers.set(name, value);
  res.headers.set("x-request-id", requestId);
  return res;
}
