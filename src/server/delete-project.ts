import "server-only";
import { eq, sql } from "drizzle-orm";
import type { Db } from "./db";
import { forgetApiKey } from "./auth/api-keys";
import { publishRevocation } from "./auth/key-revocations";
import { apiKeys, attributionDaily, attributionHourly, costEvents, latencyDaily, latencyHourly, projects, promotedMetadataKeys, tokenMixDaily, usageDaily, usageHourly, userMixTotals, userRecentTotals, userTotals } from "./db/schema";
import { FOLD_LOCK } from "./rollups/fold";

/**
 * Deletes a project and everything it owns. The per-event tables carry no foreign key (it would
 * be checked on every ingested row), so they are cleared here; the rest cascades.
 */
export async function deleteProject(db: Db, projectId: string): Promise<void> {
  const keys = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.projectId, projectId));
  await db.transaction(async (tx) => {
    // No fold in between: it could write rollup rows for events this transaction deletes.
    await tx.execute(sql`SELECT pg_advisory_xact_lock_shared(${FOLD_LOCK})`);
    for (const table of [costEvents, usageHourly, usageDaily, latencyHourly, latencyDaily, tokenMixDaily, attributionHourly, attributionDaily, userTotals, userMixTotals, userRecentTotals, promotedMetadataKeys]) {
      await tx.delete(table).where(eq(table.projectId, projectId));
    }
    await tx.delete(projects).where(eq(projects.id, projectId));
  });
  // Its keys went with it (cascade): every instance drops them from its key cache.
  for (const k of keys) {
    forgetApiKey(k.id);
    await publishRevocation(k.id);
  }
}
