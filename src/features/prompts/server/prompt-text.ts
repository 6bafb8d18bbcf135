import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~/server/db";
import { int8, queryRow } from "~/server/db/query";
import { notFound } from "~/server/errors";
import { unfoldedEvents } from "~/server/rollups/tail";

const promptTextRow = z.object({
  id: z.string(),
  text: z.string(),
  truncated: z.boolean(),
  length: z.number(),
  occurrences: int8.transform(Number),
  firstSeen: z.string(),
  lastSeen: z.string(),
});
export type PromptText = z.output<typeof promptTextRow>;

/** The full stored text of one prompt of this project (the event drawer shows it). */
export async function getPromptText(db: Db, projectId: string, promptId: string): Promise<PromptText> {
  const row = await queryRow(
    db,
    promptTextRow,
    sql`
    SELECT p.id::text AS id, p.text, p.truncated, p.original_length AS length, (p.occurrences + coalesce(t.n, 0))::text AS occurrences,
      to_char(least(p.first_seen, t.first_seen) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "firstSeen",
      to_char(greatest(p.last_seen, t.last_seen) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "lastSeen"
    FROM prompts p
      -- counters are folded like the rollups: add the events not folded yet
      LEFT JOIN (SELECT e.prompt_hash, count(*) AS n, min(e.ts) AS first_seen, max(e.ts) AS last_seen
        FROM ${unfoldedEvents()} WHERE e.project_id = ${projectId} GROUP BY 1) t ON t.prompt_hash = p.hash
    WHERE p.project_id = ${projectId} AND p.id = ${promptId}::bigint`,
  );
  if (!row) throw notFound("no such prompt in this project", "promptId");
  return row;
}
