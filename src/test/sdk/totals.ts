// Integration-test helper: what the database holds for a project, summed exactly in SQL.
import { testDb } from "~/test/integration";

export type Totals = { events: number; distinctIds: number; inputTokens: number; outputTokens: number; costUsd: string };

export async function projectTotals(projectId: string): Promise<Totals> {
  const [row] = await testDb().sql<{ events: number; distinct_ids: number; input: string; output: string; cost: string }[]>`
    SELECT count(*)::int AS events, count(DISTINCT event_id)::int AS distinct_ids,
           coalesce(sum(input_tokens), 0)::text AS input, coalesce(sum(output_tokens), 0)::text AS output,
           coalesce(sum(cost_usd), 0)::numeric(30,12)::text AS cost
    FROM cost_events WHERE project_id = ${projectId}`;
  if (!row) throw new Error("no totals row");
  return { events: row.events, distinctIds: row.distinct_ids, inputTokens: Number(row.input), outputTokens: Number(row.output), costUsd: row.cost };
}

/** Picodollars → the `numeric(30,12)` text PostgreSQL prints, for exact comparison. */
export function picosToUsd(picos: bigint): string {
  const s = picos.toString().padStart(13, "0");
  return `${s.slice(0, -12)}.${s.slice(-12)}`;
}
