import "server-only";
import type { Redis } from "ioredis";
import { getRedis } from "~/server/redis";
import { logger } from "~/server/logger";

/*
 * Revocations reach every instance at once, so API keys can be answered from each instance's
 * in-process cache (api-keys.ts) on every route without a lookup per request:
 * - a revocation deletes the key from this instance's cache and publishes the key id on Redis;
 *   every instance subscribed drops it from its own cache when the message arrives;
 * - the cache is trusted only while this instance's subscription is live: from the moment the
 *   subscriber connection drops (messages may be missed) until it is subscribed again, keys are
 *   looked up in the database on every request, and the cache is emptied when it comes back;
 * - without Redis there is one instance (REDIS_URL is required for several): its own cache is
 *   exact, since the revocation runs in it.
 */
export const REVOCATION_CHANNEL = "acp:api-key-revoked";

type Feed = { subscriber: Redis | null; live: boolean; onRevoked: (keyId: string) => void };

declare global {
  // On globalThis: one subscription per process even when Next evaluates this module more than once.
  var acpRevocationFeed: Feed | undefined;
}

/** Subscribes this process to revocations (idempotent); `onRevoked` forgets a key id. */
export function startRevocationFeed(onRevoked: (keyId: string) => void, onReset: () => void): void {
  if (globalThis.acpRevocationFeed) return;
  const redis = getRedis();
  const feed: Feed = { subscriber: null, live: redis === null, onRevoked };
  globalThis.acpRevocationFeed = feed;
  if (!redis) return;
  const subscriber = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  feed.subscriber = subscriber;
  const down = () => {
    if (feed.live) logger.warn("API key revocation feed down: keys are looked up on every request until it is back");
    feed.live = false;
  };
  subscriber.on("error", down);
  subscriber.on("close", down);
  subscriber.on("message", (_channel: string, keyId: string) => feed.onRevoked(keyId));
  // ioredis re-subscribes after a reconnect and fires "ready" again; the cache may hold keys
  // revoked meanwhile, so it starts over before it is trusted.
  subscriber.on("ready", () => {
    void subscriber.subscribe(REVOCATION_CHANNEL).then(
      () => {
        onReset();
        feed.live = true;
      },
      down,
    );
  });
}

/** Whether cached API keys may be trusted right now (see above). */
export function revocationFeedLive(): boolean {
  return globalThis.acpRevocationFeed?.live ?? false;
}

/** Tells every instance that `keyId` is revoked (after the revocation committed). */
export async function publishRevocation(keyId: string): Promise<void> {
  const redis = getRedis();
  if (!redis) return;
  try {
    await redis.publish(REVOCATION_CHANNEL, keyId);
  } catch (err) {
    // Redis is down, so every other instance's subscription is down too: none trusts its cache.
    logger.error("could not publish an API key revocation", { keyId, error: err instanceof Error ? err.message : String(err) });
  }
}

/** Stops the subscription (tests, shutdown). */
export async function stopRevocationFeed(): Promise<void> {
  const feed = globalThis.acpRevocationFeed;
  globalThis.acpRevocationFeed = undefined;
  if (feed?.subscriber) await feed.subscriber.quit().catch(() => undefined);
}
