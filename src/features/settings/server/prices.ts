import "server-only";
import { and, asc, eq, sql } from "drizzle-orm";
import { type PriceEntry } from "~/features/pricing";
import { entryToRow, rowToEntry, invalidatePrices } from "~/features/pricing/server";
import type { Db } from "~/server/db";
import { modelPrices } from "~/server/db/schema";
import { notFound } from "~/server/errors";

export type CustomPrice = PriceEntry & { id: number; updatedAt: Date };

const MAX_PRICES_LISTED = 500; // custom prices are hand-entered; hundreds is already a lot

export async function listCustomPrices(db: Db, projectId: string): Promise<CustomPrice[]> {
  const rows = await db
    .select()
    .from(modelPrices)
    .where(eq(modelPrices.projectId, projectId))
    .orderBy(asc(modelPrices.provider), asc(modelPrices.model), asc(modelPrices.effectiveFrom))
    .limit(MAX_PRICES_LISTED);
  return rows.map((r) => ({ ...rowToEntry(r), id: r.id, updatedAt: r.updatedAt }));
}

/**
 * Adds or replaces the project's price for (provider, model, effective-from). It prices events
 * ingested from now on; `npm run prices:reprice` reprices stored ones.
 */
export async function upsertCustomPrice(db: Db, projectId: string, entry: PriceEntry): Promise<{ id: number }> {
  const row = entryToRow(entry, projectId, null);
  const { projectId: _p, provider: _pr, model: _m, effectiveFrom: _e, ...update } = row;
  const [saved] = await db
    .insert(modelPrices)
    .values(row)
    .onConflictDoUpdate({
      target: [modelPrices.projectId, modelPrices.provider, modelPrices.model, modelPrices.effectiveFrom],
      // the inserted row's now() (Citus allows no now() in DO UPDATE SET on a distributed table)
      set: { ...update, updatedAt: sql`excluded.updated_at` },
    })
    .returning({ id: modelPrices.id });
  invalidatePrices(projectId);
  if (!saved) throw new Error("price upsert returned no row");
  return saved;
}

export async function deleteCustomPrice(db: Db, projectId: string, id: number): Promise<void> {
  const deleted = await db
    .delete(modelPrices)
    .where(and(eq(modelPrices.id, id), eq(modelPrices.projectId, projectId)))
    .returning({ id: modelPrices.id });
  if (!deleted[0]) throw notFound("no such custom price in this project", "id");
  invalidatePrices(projectId);
}
