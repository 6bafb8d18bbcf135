import "server-only";
import { env } from "~/env";
import { parseTrustedProxies } from "./client-ip";
import { errorResponse, route, type RouteContext } from "./http";
import { createLimiter, rateLimitedError } from "./limiters";
import { errorFields, logger } from "./logger";
import { rateLimitHeaders, type Decision, type RateLimiter } from "./rate-limit";
import { budgetStatusRule, ingestionRule, parseKeyOverrides, requestSubjects, type RateLimitRule } from "./rate-limit-rules";

// The rate limits of the API routes, decided in the route itself (`limitedRoute`), before its work.
// (They were decided in the Next proxy, which made every API request pay for a second pass through
// Next — and made Next buffer each ingestion body for it.) Rules: src/server/rate-limit-rules.ts.

/** Events and OTLP traces: one ingestion budget per client IP and per API key. */
export const INGESTION_LIMIT = ingestionRule(() => env.RATE_LIMIT_EVENTS_PER_HOUR);
/** Budget status reads: a budget of their own. */
export const BUDGET_STATUS_LIMIT = budgetStatusRule(() => env.RATE_LIMIT_BUDGET_STATUS_PER_HOUR);

const HOUR_MS = 3_600_000;

type Setup = { limiter: RateLimiter; context: Parameters<typeof requestSubjects>[2]; warnedPeer: boolean };

declare global {
  var acpRouteLimits: Setup | undefined;
}

// On globalThis: Next evaluates this module once per route bundle, and the routes sharing a rule
// must share its in-process counters (used while Redis is down or absent).
function setup(): Setup {
  globalThis.acpRouteLimits ??= {
    limiter: createLimiter("ingestion", HOUR_MS),
    context: { trust: parseTrustedProxies(env.TRUSTED_PROXIES), overrides: parseKeyOverrides(env.RATE_LIMIT_KEY_OVERRIDES) },
    warnedPeer: false,
  };
  return globalThis.acpRouteLimits;
}

async function decide(rule: RateLimitRule, headers: Headers): Promise<Decision | null> {
  if (env.RATE_LIMIT_DISABLED) return null;
  try {
    const s = setup();
    const { subjects, peerKnown } = requestSubjects(rule, headers, s.context);
    if (!peerKnown && !s.warnedPeer) {
      s.warnedPeer = true;
      logger.warn("rate limiter: socket address unknown (instrumentation hook not installed); X-Forwarded-For may be spoofed");
    }
    return await s.limiter.limit(subjects);
  } catch (err) {
    // The limiter never blocks a request by failing: it goes through, unlimited.
    logger.error("rate limiter failed; request let through", errorFields(err));
    return null;
  }
}

/**
 * `route` behind a rate limit: over it, the 429 (Retry-After, X-RateLimit-*) and the handler never
 * runs; otherwise every answer, errors included, carries the X-RateLimit-* headers.
 */
export function limitedRoute<P>(rule: RateLimitRule, handler: (req: Request, ctx: RouteContext, params: P) => Promise<Response>) {
  return route<P>(async (req, ctx, params) => {
    const decision = await decide(rule, req.headers);
    if (decision && !decision.success) throw rateLimitedError(decision, `rate limit of ${decision.limit} requests per hour exceeded`);
    const headers = decision ? rateLimitHeaders(decision) : {};
    let res: Response;
    try {
      res = await handler(req, ctx, params);
    } catch (err) {
      return errorResponse(err, ctx.requestId, headers);
    }
    for (const [name, value] of Object.entries(headers)) res.headers.set(name, value);
    return res;
  });
}
