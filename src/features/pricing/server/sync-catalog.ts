import "server-only";
import { isNull, sql } from "drizzle-orm";
import type { Db } from "~/server/db";
import { modelPrices } from "~/server/db/schema";
import { catalogVersion, loadCatalog } from "../catalog";
import { entryToRow } from "./price-rows";

const SYNC_LOCK = 815_004_222;

/**
 * Makes the catalog rows (project_id NULL) equal the shipped file when its version changed.
 * Custom per-project prices are never touched. Existing events keep their stored cost until
 * `npm run prices:reprice` is run.
 */
export async function syncPriceCatalog(db: Db): Promise<boolean> {
  const version = catalogVersion();
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${SYNC_LOCK})`);
    const current = await tx
      .select({ version: modelPrices.catalogVersion })
      .from(modelPrices)
      .where(isNull(modelPrices.projectId))
      .limit(1);
    if (current[0]?.version === version) return false;
    await tx.delete(modelPrices).where(isNull(modelPrices.projectId));
    await tx.insert(modelPrices).values(loadCatalog().map((e) => entryToRow(e, null, version)));
    return true;
  });
}
