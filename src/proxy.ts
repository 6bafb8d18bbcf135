// Next 16 proxy (always Node.js, so ioredis works; exporting `runtime` here fails the build):
// a request id and the security headers (CSP with a per-request nonce, src/server/security-headers.ts)
// for every page and API request, and the rate limits of src/server/rate-limit-rules.ts.
import { randomUUID } from "node:crypto";
import { NextResponse, type NextRequest } from "next/server";
import { env } from "~/env";
import { parseTrustedProxies } from "~/server/client-ip";
import { errorResponse } from "~/server/http";
import { createLimiter, rateLimitedError } from "~/server/limiters";
import { errorFields, logger } from "~/server/logger";
import { rateLimitHeaders, type Decision, type RateLimiter } from "~/server/rate-limit";
import { budgetStatusRule, ingestionRule, parseKeyOverrides, requestSubjects, type RateLimitRule } from "~/server/rate-limit-rules";
import { securityHeaders } from "~/server/security-headers";

// Limiting another route: add its path here AND a rule in RULES (see docs/rate-limiting.md).
// The last entry is every page and API route (static files get their headers from next.config.mjs).
export const config = {
  matcher: ["/api/v1/events", "/api/v1/otlp/:path*", "/api/v1/budgets/:path*", "/((?!_next/static|_next/image|favicon.ico|icon.svg).*)"],
};

const SECURITY = { https: env.APP_URL?.startsWith("https://") ?? false, dev: env.NODE_ENV === "development" };

const RULES: readonly RateLimitRule[] = [
  ingestionRule(() => env.RATE_LIMIT_EVENTS_PER_HOUR),
  budgetStatusRule(() => env.RATE_LIMIT_BUDGET_STATUS_PER_HOUR),
];

const HOUR_MS = 3_600_000;

type Setup = { limiter: RateLimiter; context: Parameters<typeof requestSubjects>[2] };
let setup: Setup | null = null;
let warnedPeer = false;

function getSetup(): Setup {
  setup ??= {
    limiter: createLimiter("ingestion", HOUR_MS),
    context: { trust: parseTrustedProxies(env.TRUSTED_PROXIES), overrides: parseKeyOverrides(env.RATE_LIMIT_KEY_OVERRIDES) },
  };
  return setup;
}

/** A client's own id is kept when it is a plain token (it shows up in their logs too). */
function requestIdOf(req: NextRequest): string {
  const sent = req.headers.get("x-request-id");
  return sent !== null && /^[\w.:-]{1,128}$/.test(sent) ? sent : randomUUID();
}

async function decide(rule: RateLimitRule, req: NextRequest): Promise<Decision | null> {
  try {
    const { limiter, context } = getSetup();
    const { subjects, peerKnown } = requestSubjects(rule, req.headers, context);
    if (!peerKnown && !warnedPeer) {
      warnedPeer = true;
      logger.warn("rate limiter: socket address unknown (instrumentation hook not installed); X-Forwarded-For may be spoofed");
    }
    return await limiter.limit(subjects);
  } catch (err) {
    // The limiter never blocks ingestion by failing: the request goes through, unlimited.
    logger.error("rate limiter failed; request let through", errorFields(err));
    return null;
  }
}

export async function proxy(req: NextRequest): Promise<Response> {
  const requestId = requestIdOf(req);
  const forwarded = new Headers(req.headers);
  forwarded.set("x-request-id", requestId);
  const pathname = req.nextUrl.pathname;
  const security = securityHeaders(pathname, SECURITY);
  for (const [name, value] of Object.entries(security.request)) forwarded.set(name, value);
  const rule = env.RATE_LIMIT_DISABLED ? undefined : RULES.find((r) => r.matches(pathname));
  const decision = rule ? await decide(rule, req) : null;
  const headers: Record<string, string> = { ...security.response, "x-request-id": requestId, ...(decision ? rateLimitHeaders(decision) : {}) };
  if (decision && !decision.success) {
    return errorResponse(rateLimitedError(decision, `rate limit of ${decision.limit} requests per hour exceeded`), requestId, headers);
  }
  const res = NextResponse.next({ request: { headers: forwarded } });
  for (const [name, value] of Object.entries(headers)) res.headers.set(name, value);
  return res;
}
