import "server-only";
import { eq } from "drizzle-orm";
import type { Db } from "./db";
import { attributionDaily, attributionHourly, costEvents, latencyDaily, latencyHourly, projects, promotedMetadataKeys, usageDaily, usageHourly } from "./db/schema";

/**
 * Deletes a project and everything it owns. The per-event tables carry no foreign key (it would
 * be checked on every ingested row), so they are cleared here; the rest cascades.
 */
export async function deleteProject(db: Db, projectId: string): Promise<void> {
  await db.transaction(async (tx) => {
    for (const table of [costEvents, usageHourly, usageDaily, latencyHourly, latencyDaily, attributionHourly, attributionDaily, promotedMetadataKeys]) {
      await tx.delete(table).where(eq(table.projectId, projectId));
    }
    await tx.delete(projects).where(eq(projects.id, projectId));
  });
}
