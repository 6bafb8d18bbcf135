import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~/server/db";
import { queryRows } from "~/server/db/query";
import { unfoldedEvents } from "~/server/rollups/tail";

export type FilterOptions = { features: (string | null)[]; models: { provider: string; model: string }[] };

const MAX_OPTIONS = 500; // a select with more entries than this is not a usable filter anyway

/**
 * The features and models seen in the window, for the filter bar: distinct keys of the daily
 * rollup over the whole days that cover the window (a superset at the edges is harmless for a
 * list of choices) plus the events not folded into it yet, so it costs a few thousand rollup rows
 * at any event volume.
 */
export async function getFilterOptions(db: Db, projectId: string, w: { from: Date; to: Date }): Promise<FilterOptions> {
  const from = new Date(Math.floor(w.from.getTime() / 86_400_000) * 86_400_000).toISOString();
  const to = w.to.toISOString();
  const [features, models] = await Promise.all([
    queryRows(
      db,
      z.object({ feature: z.string() }),
      sql`SELECT feature FROM usage_daily
      WHERE project_id = ${projectId} AND day >= ${from}::timestamptz AND day < ${to}::timestamptz
      UNION SELECT e.feature FROM ${unfoldedEvents()}
      WHERE e.project_id = ${projectId} AND e.ts >= ${from}::timestamptz AND e.ts < ${to}::timestamptz
      ORDER BY feature LIMIT ${MAX_OPTIONS}`,
    ),
    queryRows(
      db,
      z.object({ provider: z.string(), model: z.string() }),
      sql`SELECT provider, model FROM usage_daily
      WHERE project_id = ${projectId} AND day >= ${from}::timestamptz AND day < ${to}::timestamptz
      UNION SELECT e.provider, e.model FROM ${unfoldedEvents()}
      WHERE e.project_id = ${projectId} AND e.ts >= ${from}::timestamptz AND e.ts < ${to}::timestamptz
      ORDER BY provider, model LIMIT ${MAX_OPTIONS}`,
    ),
  ]);
  return { features: features.map((r) => (r.feature === "" ? null : r.feature)), models };
}
