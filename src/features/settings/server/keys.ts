import "server-only";
import { and, desc, eq } from "drizzle-orm";
import { generateApiKey, revokeApiKey, storeApiKey } from "~/server/auth/api-keys";
import type { Db } from "~/server/db";
import { apiKeys } from "~/server/db/schema";
import { notFound } from "~/server/errors";

export type ApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

const MAX_KEYS_LISTED = 200; // a project with more keys than this needs an admin tool, not a settings page

export async function listKeys(db: Db, projectId: string): Promise<ApiKeyRow[]> {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.projectId, projectId))
    .orderBy(desc(apiKeys.createdAt))
    .limit(MAX_KEYS_LISTED);
}

/** The plain key is returned once, here; only its SHA-256 is stored. */
export async function createKey(db: Db, projectId: string, name: string): Promise<{ key: string; prefix: string }> {
  const key = generateApiKey();
  await storeApiKey(db, projectId, key, name);
  return { key, prefix: key.slice(0, 12) };
}

/** Revokes a key of this project only; another project's key id is "not found". */
export async function revokeKey(db: Db, projectId: string, keyId: string): Promise<void> {
  const own = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.projectId, projectId)))
    .limit(1);
  if (!own[0]) throw notFound("no such API key in this project", "keyId");
  await revokeApiKey(db, keyId);
}
