import "server-only";
import { sql } from "drizzle-orm";
import type { Db } from "~/server/db";
import { AppError } from "~/server/errors";

export type PromptText = {
  id: string;
  text: string;
  truncated: boolean;
  length: number;
  occurrences: number;
  firstSeen: string;
  lastSeen: string;
};

/** The full stored text of one prompt of this project (the event drawer shows it). */
export async function getPromptText(db: Db, projectId: string, promptId: string): Promise<PromptText> {
  const rows = (await db.execute(sql`
    SELECT id::text AS id, text, truncated, original_length AS length, occurrences::text AS occurrences,
      to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "firstSeen",
      to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "lastSeen"
    FROM prompts WHERE project_id = ${projectId} AND id = ${promptId}::bigint`)) as unknown as (Omit<PromptText, "occurrences"> & {
    occurrences: string;
  })[];
  const row = rows[0];
  if (!row) throw new AppError(404, "not_found", "no such prompt in this project", { issues: [{ path: "promptId", message: "no such prompt in this project" }] });
  return { ...row, occurrences: Number(row.occurrences) };
}
