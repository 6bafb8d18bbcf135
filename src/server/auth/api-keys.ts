import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull, sql as dsql } from "drizzle-orm";
import type { Db } from "~/server/db";
import type { DbOrTx } from "~/server/db";
import { apiKeys, projects } from "~/server/db/schema";
import { publishRevocation, revocationFeedLive } from "./key-revocations";

// A fixed, greppable prefix lets secret scanners catch leaked keys.
export const API_KEY_PREFIX = "acp_";
const KEY_PATTERN = /^acp_[A-Za-z0-9_-]{32,128}$/;
const DISPLAY_PREFIX_LENGTH = 12;

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString("base64url");
}

export function hashApiKey(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

export function isWellFormedApiKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}

export type ApiKeyOwner = { keyId: string; projectId: string };

/** The project an active key belongs to, or null for unknown, malformed or revoked keys. */
export async function findActiveApiKey(db: Db, key: string): Promise<ApiKeyOwner | null> {
  if (!isWellFormedApiKey(key)) return null;
  const rows = await db
    .select({ keyId: apiKeys.id, projectId: apiKeys.projectId, lastUsedAt: apiKeys.lastUsedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashApiKey(key)), isNull(apiKeys.revokedAt)))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  // last_used_at is advisory: refresh it at most once a minute so hot keys don't write on every request.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(apiKeys).set({ lastUsedAt: dsql`now()` }).where(eq(apiKeys.id, row.keyId));
  }
  return { keyId: row.keyId, projectId: row.projectId };
}

type CachedKey = { owner: ApiKeyOwner; expires: number };
const KEY_CACHE_MS = 60_000;
const KEY_CACHE_MAX = 10_000; // distinct live keys per instance; past this the cache starts over
declare global {
  // On globalThis: Next evaluates this module once per bundle (instrumentation, each route), and
  // the revocation feed started at boot must empty the same cache the routes read.
  var acpKeyCache: Map<string, CachedKey> | undefined;
}
const keyCache = (globalThis.acpKeyCache ??= new Map<string, CachedKey>());

/**
 * findActiveApiKey with the answer kept in process for a minute: for routes that re-check the key
 * where it matters — the ingestion statement inserts only while the key is unrevoked
 * (insert-events.ts), so a revocation takes effect on the very next request on every instance,
 * with no lookup round trip per request. Unknown keys are never cached.
 */
export async function findActiveApiKeyCached(db: Db, key: string): Promise<(ApiKeyOwner & { cached: boolean }) | null> {
  if (!isWellFormedApiKey(key)) return null;
  const now = Date.now();
  const id = hashApiKey(key).toString("base64"); // the secret itself is not kept
  const hit = keyCache.get(id);
  if (hit && hit.expires > now) return { ...hit.owner, cached: true };
  const owner = await findActiveApiKey(db, key);
  if (!owner) {
    keyCache.delete(id);
    return null;
  }
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
  keyCache.set(id, { owner, expires: now + KEY_CACHE_MS });
  return { ...owner, cached: false };
}

/** Drops a key found revoked, so the next request looks it up again. */
export function forgetApiKey(keyId: string): void {
  for (const [k, v] of keyCache) if (v.owner.keyId === keyId) keyCache.delete(k);
}

/** Empties the cache (the revocation feed reconnected: revocations may have been missed). */
export function clearApiKeyCache(): void {
  keyCache.clear();
}

/**
 * The key's owner for any route: from the in-process cache while the revocation feed is live
 * (key-revocations.ts: a revocation reaches every instance's cache at once), else looked up.
 */
export async function findApiKeyOwner(db: Db, key: string): Promise<ApiKeyOwner | null> {
  return revocationFeedLive() ? findActiveApiKeyCached(db, key) : findActiveApiKey(db, key);
}

export async function ensureProject(db: DbOrTx, name: string): Promise<string> {
  const inserted = await db
    .insert(projects)
    .values({ name })
    .onConflictDoNothing({ target: projects.name })
    .returning({ id: projects.id });
  if (inserted[0]) return inserted[0].id;
  const existing = await db.select({ id: projects.id }).from(projects).where(eq(projects.name, name)).limit(1);
  if (!existing[0]) throw new Error(`project ${name} vanished while being created`);
  return existing[0].id;
}

/** Stores a key for a project; the plain key is returned to the caller and never stored. */
export async function storeApiKey(db: Db, projectId: string, key: string, name = "default"): Promise<void> {
  await db
    .insert(apiKeys)
    .values({ projectId, name, prefix: displayPrefix(key), keyHash: hashApiKey(key) })
    .onConflictDoNothing({ target: apiKeys.keyHash });
}

export async function createApiKey(db: Db, projectName: string, keyName = "default") {
  const projectId = await ensureProject(db, projectName);
  const key = generateApiKey();
  await storeApiKey(db, projectId, key, keyName);
  return { projectId, key };
}

export async function revokeApiKey(db: Db, keyId: string): Promise<void> {
  await db.update(apiKeys).set({ revokedAt: dsql`now()` }).where(eq(apiKeys.id, keyId));
  forgetApiKey(keyId);
  await publishRevocation(keyId);
}
