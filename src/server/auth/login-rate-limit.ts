import "server-only";
import { createHash } from "node:crypto";
import { env } from "~/env";
import { clientIp, forwardedChain, ipIdentity, parseTrustedProxies, type TrustPolicy } from "~/server/client-ip";
import { createLimiter, rateLimitedError } from "~/server/limiters";
import { logger } from "~/server/logger";
import { rateLimitHeaders, type Decision, type RateLimiter } from "~/server/rate-limit";

// Sign-in attempts go through the same limiter as ingestion (Redis via @upstash/ratelimit, one
// count for all instances, in-process fallback) and the same client-IP rules (TRUSTED_PROXIES).
// Two counters: per client IP (password spraying from one address) and per account (a distributed
// guess at one password). The account counter allows twice the IP limit, so one address alone
// can never lock its owner out; many addresses can slow an account down, never open it.

const WINDOW_MS = 15 * 60_000;

type Setup = { limiter: RateLimiter; trust: TrustPolicy };
let setup: Setup | null = null;

function getSetup(): Setup {
  setup ??= {
    limiter: createLimiter("login", WINDOW_MS),
    trust: parseTrustedProxies(env.TRUSTED_PROXIES),
  };
  return setup;
}

/** The client address as the ingestion limiter sees it (socket peer unless TRUSTED_PROXIES says otherwise). */
export function requestClientIp(headers: Headers): string | null {
  return clientIp(forwardedChain(headers.get("x-forwarded-for")), getSetup().trust);
}

const accountId = (account: string) =>
  createHash("sha256").update(account.trim().toLowerCase(), "utf8").digest("base64url").slice(0, 22);

/**
 * Counts one attempt (`kind` names the counter, e.g. "login" or "setup"): the X-RateLimit-* headers
 * to send when it may proceed; a 429 (rateLimitedError) thrown when it may not.
 */
export async function limitAttempt(kind: string, headers: Headers, account: string | null, what: string): Promise<Record<string, string>> {
  if (env.RATE_LIMIT_DISABLED) return {};
  const limit = env.RATE_LIMIT_LOGIN_PER_15_MIN;
  const ip = requestClientIp(headers);
  const subjects = [{ id: `${kind}:ip:${ip === null ? "unknown" : ipIdentity(ip)}`, limit }];
  if (account) subjects.push({ id: `${kind}:account:${accountId(account)}`, limit: limit * 2 });
  let decision: Decision;
  try {
    decision = await getSetup().limiter.limit(subjects);
  } catch (err) {
    // As for ingestion, a failing limiter never blocks a request; it is logged.
    logger.error("login limiter failed; attempt let through", { error: err instanceof Error ? err.message : String(err) });
    return {};
  }
  if (!decision.success) throw rateLimitedError(decision, what);
  return rateLimitHeaders(decision);
}
