import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "~/server/db";
import { int8, queryRow } from "~/server/db/query";
import { notFound } from "~/server/errors";

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
    SELECT id::text AS id, text, truncated, original_length AS length, occurrences::text AS occurrences,
      to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "firstSeen",
      to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "lastSeen"
    FROM prompts WHERE project_id = ${projectId} AND id = ${promptId}::bigint`,
  );
  if (!row) throw notFound("no such prompt in this project", "promptId");
  return row;
}
