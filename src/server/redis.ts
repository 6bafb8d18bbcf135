import "server-only";
import { Redis } from "ioredis";
import { env } from "~/env";
import { logger } from "./logger";

// One ioredis client per process (null when REDIS_URL is absent: in-process fallbacks are used).
declare global {
  // On globalThis: one per process even when Next evaluates this module more than once.
  var acpRedis: Redis | null | undefined;
}
const globalForRedis = globalThis;

export function getRedis(): Redis | null {
  if (globalForRedis.acpRedis === undefined) {
    if (!env.REDIS_URL) {
      globalForRedis.acpRedis = null;
      logger.info("REDIS_URL not set: using in-process cache and rate limiter (single-instance only)");
    } else {
      const client = new Redis(env.REDIS_URL, {
        lazyConnect: false,
        // Never queue commands while disconnected: callers fall back at once instead of waiting.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 1000,
        retryStrategy: (times) => Math.min(times * 200, 2000),
      });
      client.on("error", () => undefined); // reported through health and the callers' fallbacks
      globalForRedis.acpRedis = client;
    }
  }
  return globalForRedis.acpRedis;
}

/** "absent" when not configured, else whether a PING answers within the timeout. */
export async function redisHealth(timeoutMs = 250): Promise<"ok" | "absent" | "down"> {
  const redis = getRedis();
  if (!redis) return "absent";
  try {
    const pong = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), timeoutMs)),
    ]);
    return pong === "PONG" ? "ok" : "down";
  } catch {
    return "down";
  }
}
