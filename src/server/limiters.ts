import "server-only";
import { env } from "~/env";
import { rateLimited, type AppError } from "./errors";
import { logger } from "./logger";
import { RateLimiter, rateLimitHeaders, retryAfterSeconds, type Decision } from "./rate-limit";
import { getRedis } from "./redis";

// The one way the app builds a limiter (the API routes' limits, sign-in and setup attempts) and the
// one 429 it answers with: same Redis, prefix, algorithm, timeout budget, logging and headers.

// Budget for one decision in Redis; answers take ~0.1 ms on loopback. A slow Redis delays a
// request by at most this, then the in-process fallback decides.
const REDIS_TIMEOUT_MS = 50;

export function createLimiter(name: string, windowMs: number): RateLimiter {
  return new RateLimiter({
    redis: getRedis(),
    prefix: env.RATE_LIMIT_PREFIX,
    algorithm: env.RATE_LIMIT_ALGORITHM,
    windowMs,
    timeoutMs: REDIS_TIMEOUT_MS,
    onStateChange: (state, detail) => {
      if (state === "fallback") logger.warn(`${name} limiter: Redis unavailable, counting in process until it answers`, detail);
      else logger.info(`${name} limiter: Redis answers again, counting in Redis`, detail);
    },
  });
}

/** The 429 for a refused decision: Retry-After, X-RateLimit-*, `{error: "rate_limited", retryAfter}`. */
export function rateLimitedError(decision: Decision, what: string): AppError {
  const retryAfter = retryAfterSeconds(decision);
  return rateLimited(`${what}; retry after ${retryAfter} s`, retryAfter, rateLimitHeaders(decision));
}
