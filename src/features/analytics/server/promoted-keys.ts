import "server-only";
import { and, asc, eq } from "drizzle-orm";
import type { DbClient, DbOrTx } from "~/server/db";
import { promotedMetadataKeys } from "~/server/db/schema";
import { badRequest } from "~/server/errors";
import { attributionBackfillSql } from "~/server/rollups/attribution-fold-sql";
import { FOLD_LOCK } from "~/server/rollups/fold";

// Each promoted key adds one rollup row per (hour and day, value) per event: bounded so that
// ingestion cost stays flat whatever a project sends as metadata.
export const MAX_PROMOTED_KEYS = 10;

export async function isPromoted(db: DbOrTx, projectId: string, key: string): Promise<boolean> {
  const rows = await db
    .select({ key: promotedMetadataKeys.key })
    .from(promotedMetadataKeys)
    .where(and(eq(promotedMetadataKeys.projectId, projectId), eq(promotedMetadataKeys.key, key)))
    .limit(1);
  return rows.length > 0;
}

export async function listPromotedKeys(db: DbOrTx, projectId: string): Promise<string[]> {
  const rows = await db
    .select({ key: promotedMetadataKeys.key })
    .from(promotedMetadataKeys)
    .where(eq(promotedMetadataKeys.projectId, projectId))
    .orderBy(asc(promotedMetadataKeys.key));
  return rows.map((r) => r.key);
}

/**
 * Makes `metadata:<key>` a rolled-up dimension: records the key and backfills its rollup rows
 * from the events already folded, in one transaction holding the fold lock shared (no fold runs
 * meanwhile); the next fold adds every other event under the key. Ingestion never waits. Idempotent.
 */
export async function promoteMetadataKey(client: DbClient, projectId: string, key: string): Promise<{ key: string; promoted: boolean }> {
  return client.sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock_shared(${FOLD_LOCK})`;
    const existing = await tx<{ key: string }[]>`SELECT key FROM promoted_metadata_keys WHERE project_id = ${projectId}::uuid`;
    if (existing.some((r) => r.key === key)) return { key, promoted: false };
    if (existing.length >= MAX_PROMOTED_KEYS) {
      throw badRequest(`a project promotes at most ${MAX_PROMOTED_KEYS} metadata keys`, [{ path: "key", message: `at most ${MAX_PROMOTED_KEYS} promoted keys` }]);
    }
    await tx`INSERT INTO promoted_metadata_keys (project_id, key) VALUES (${projectId}::uuid, ${key})`;
    for (const statement of attributionBackfillSql("meta")) await tx.unsafe(statement, [projectId, key]);
    return { key, promoted: true };
  });
}

/** Stops rolling a key up and drops its rows (breakdowns by it read raw events again). */
export async function demoteMetadataKey(client: DbClient, projectId: string, key: string): Promise<void> {
  await client.sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock_shared(${FOLD_LOCK})`;
    await tx`DELETE FROM promoted_metadata_keys WHERE project_id = ${projectId}::uuid AND key = ${key}`;
    for (const table of ["attribution_hourly", "attribution_daily"]) {
      await tx.unsafe(`DELETE FROM ${table} WHERE project_id = $1::uuid AND dim = $2`, [projectId, `meta:${key}`]);
    }
  });
}

